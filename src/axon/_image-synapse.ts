/** The `ImageSynapse` forward: JSON body → image → prediction → the synapse answered. */
import { RoadworkError } from '../errors/index.js';
import type { Predictor, RgbImage } from '../predictor/types.js';

/** Image limits applied while decoding. */
export interface ImageLimits {
  readonly maxPixels: number;
  readonly decodeTimeoutMs: number;
  readonly maxBase64Chars: number;
}

/** Decodes base64 image text into RGB under limits (injected: the image module's decoder). */
export type ImageDecoder = (
  base64: string,
  options: { maxBase64Chars: number; maxPixels: number; timeoutMs: number },
) => Promise<RgbImage>;

/** Parses the body as a synapse object, or throws ERR_BODY_INVALID_JSON. */
export function parseSynapseBody(body: Buffer): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new RoadworkError(
      'ERR_BODY_INVALID_JSON',
      `Request body is not valid JSON: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new RoadworkError('ERR_BODY_INVALID_JSON', `Request body must be a JSON object: ${typeof data}`);
  }
  return data as Record<string, unknown>;
}

/** Runs the forward and returns the synapse fields to answer with (image emptied, prediction set). */
export async function forwardImageSynapse(
  synapse: Record<string, unknown>,
  deps: { predictor: Predictor; decode: ImageDecoder; limits: ImageLimits },
  options: { deadlineMs: number; signal: AbortSignal; onPhase?: (phase: string, ms: number) => void },
): Promise<{ fields: Record<string, unknown>; probability: number; modelVersion: string }> {
  const image = synapse.image;
  if (typeof image !== 'string' || image.length === 0) {
    throw new RoadworkError(
      'ERR_IMAGE_MISSING',
      'Synapse has no image: send base64 JPEG in the `image` field',
    );
  }
  let t = performance.now();
  const rgb = await deps.decode(image, {
    maxBase64Chars: deps.limits.maxBase64Chars,
    maxPixels: deps.limits.maxPixels,
    timeoutMs: deps.limits.decodeTimeoutMs,
  });
  options.onPhase?.('decode', performance.now() - t);
  if (options.signal.aborted)
    throw new RoadworkError('ERR_DEADLINE_EXCEEDED', 'Deadline passed while decoding');
  t = performance.now();
  const prediction = await deps.predictor.predict(rgb, {
    deadlineMs: options.deadlineMs,
    signal: options.signal,
  });
  options.onPhase?.('predict', performance.now() - t);
  const p = prediction.probability;
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    throw new RoadworkError('ERR_MODEL_OUTPUT', `Predictor answered a value outside [0, 1]: ${p}`);
  }
  return {
    fields: { ...synapse, image: '', prediction: p },
    probability: p,
    modelVersion: prediction.modelVersion,
  };
}
