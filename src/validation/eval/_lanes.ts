/** The two ways to answer a challenge: a signed request to an axon, or the predictor called directly. */
import { isRoadworkError } from '../../core/errors/index.js';
import { decodeBase64Image, inputPolicy } from '../../inference/image/index.js';
import type { Predictor } from '../../inference/cascade/types.js';
import { imageSynapse, type AxonTarget, type Dendrite } from '../../wire/protocol/index.js';
import type { Lane } from '../validator/index.js';

/** The validators' timeout, seconds: a later answer counts as -1. */
export const VALIDATOR_TIMEOUT_S = 9;

/** A lane that sends each challenge as a signed `ImageSynapse` with `dendrite` (one dendrite per lane). */
export function dendriteLane(
  dendrite: Dendrite,
  target: AxonTarget,
  options: { timeoutS?: number } = {},
): Lane {
  const timeoutS = options.timeoutS ?? VALIDATOR_TIMEOUT_S;
  return async (challenge) => {
    const result = await dendrite.call(target, imageSynapse(challenge.imageB64), { timeoutS });
    const raw = result.ok ? result.fields?.prediction : undefined;
    // Validators store whatever number came back (out-of-range values are punished by the scoring).
    const prediction = typeof raw === 'number' && Number.isFinite(raw) ? raw : -1;
    const code = result.axonCode ?? result.code;
    return {
      prediction,
      statusCode: result.statusCode,
      latencyMs: result.elapsedMs,
      ...(!result.ok && code !== undefined && { code }),
      ...(!result.ok && result.statusMessage !== undefined && { reason: result.statusMessage }),
      ...(result.code === 'ERR_DENDRITE_TRANSPORT' && result.statusCode === 503 && { unreachable: true }),
    };
  };
}

/**
 * A lane that decodes the challenge as the axon does and calls the predictor: the same numbers as
 * online mode for the same model, without HTTP. Failures become the status the axon would answer.
 */
export function predictorLane(predictor: Predictor, options: { timeoutS?: number } = {}): Lane {
  const timeoutMs = (options.timeoutS ?? VALIDATOR_TIMEOUT_S) * 1000;
  return async (challenge) => {
    const started = performance.now();
    try {
      const rgb = await decodeBase64Image(challenge.imageB64, {
        policy: inputPolicy(predictor),
      });
      const prediction = await predictor.predict(rgb, { deadlineMs: Date.now() + timeoutMs });
      const latencyMs = performance.now() - started;
      const p = prediction.probability;
      const late = latencyMs > timeoutMs;
      return {
        prediction: late || !Number.isFinite(p) ? -1 : p,
        statusCode: late ? 408 : 200,
        latencyMs,
        ...(prediction.stages ? { stages: prediction.stages } : {}),
      };
    } catch (err) {
      return {
        prediction: -1,
        statusCode: isRoadworkError(err) ? err.status : 500,
        latencyMs: performance.now() - started,
        code: isRoadworkError(err) ? err.code : 'ERR_INTERNAL',
        reason: (err as Error).message,
      };
    }
  };
}
