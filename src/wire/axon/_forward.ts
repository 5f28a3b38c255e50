/** Step 7, forward: the synapse's image decoded to the model's square, predicted, and the answer's fields. */
import { RoadworkError } from '../../core/errors/index.js';
import { inputPolicy, type ImageDecoder, type RgbImage } from '../../inference/image/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import type { Prediction, Predictor } from '../../inference/cascade/types.js';

/** What the forward step uses. */
export interface ForwardDeps {
  readonly predictor: Predictor;
  readonly decode: ImageDecoder;
  readonly metrics: Pick<Metrics, 'overheadSeconds' | 'predictSeconds'>;
  /** The axon's hotkey, labelling the metrics. */
  readonly hotkey: string;
}

/** The answer's synapse fields (image emptied, prediction set), the whole prediction, and the step's times. */
export interface Forwarded {
  readonly fields: Record<string, unknown>;
  /** As the predictor answered it: probability, model version and (from the cascade) its stages. */
  readonly prediction: Prediction;
  /** The image as the predictor saw it (fitted to its policy). */
  readonly decoded: RgbImage;
  readonly decodeMs: number;
  readonly predictMs: number;
}

/**
 * Decodes and predicts before `deadlineMs`; rejects with the decoder's coded errors, ERR_IMAGE_MISSING,
 * ERR_DEADLINE_EXCEEDED (aborted while decoding) or ERR_MODEL_OUTPUT (a value outside [0, 1]).
 */
export async function forward(
  synapse: Record<string, unknown>,
  deps: ForwardDeps,
  options: { readonly deadlineMs: number; readonly signal: AbortSignal },
): Promise<Forwarded> {
  const image = synapse.image;
  if (typeof image !== 'string' || image.length === 0) {
    throw new RoadworkError(
      'ERR_IMAGE_MISSING',
      'Synapse has no image: send base64 JPEG in the `image` field',
    );
  }
  let t = performance.now();
  // Fitted to the models' policy while decoding: what reaches the predictor is small whatever was sent.
  const rgb = await deps.decode(image, { policy: inputPolicy(deps.predictor), signal: options.signal });
  const decodeMs = performance.now() - t;
  const { hotkey } = deps;
  deps.metrics.overheadSeconds.observe({ hotkey, phase: 'decode' }, decodeMs / 1000);
  if (options.signal.aborted)
    throw new RoadworkError('ERR_DEADLINE_EXCEEDED', 'Deadline passed while decoding');
  t = performance.now();
  const prediction = await deps.predictor.predict(rgb, {
    deadlineMs: options.deadlineMs,
    signal: options.signal,
  });
  const predictMs = performance.now() - t;
  deps.metrics.overheadSeconds.observe({ hotkey, phase: 'predict' }, predictMs / 1000);
  deps.metrics.predictSeconds.observe({ hotkey, model: prediction.modelVersion }, predictMs / 1000);
  const p = prediction.probability;
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    throw new RoadworkError('ERR_MODEL_OUTPUT', `Predictor answered a value outside [0, 1]: ${p}`);
  }
  return {
    fields: { ...answerFields(synapse), image: '', prediction: p },
    prediction,
    decoded: rgb,
    decodeMs,
    predictMs,
  };
}

// The fields a Python dendrite reads back (`Synapse` and the image synapses); `dendrite` and `axon` are
// `TerminalInfo`s of scalars. Anything else a caller adds is not echoed: an answer's size and shape
// never depend on what the caller invents (a field nested 5 000 deep once overflowed JSON.stringify).
const ECHOED_FIELDS = [
  'name',
  'timeout',
  'total_size',
  'header_size',
  'computed_body_hash',
  'required_hash_fields',
  'testnet_label',
];
const TERMINALS = ['dendrite', 'axon'];

function answerFields(synapse: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ECHOED_FIELDS) {
    const v = synapse[key];
    if (isScalar(v)) out[key] = v;
    else if (key === 'required_hash_fields' && Array.isArray(v) && v.length <= 16 && v.every(isScalar))
      out[key] = v;
  }
  for (const key of TERMINALS) {
    const v = synapse[key];
    if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
    const terminal: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>).slice(0, 32)) {
      if (k.length <= 64 && isScalar(x)) terminal[k] = x;
    }
    out[key] = terminal;
  }
  return out;
}

function isScalar(v: unknown): boolean {
  return (
    v === null ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v)) ||
    (typeof v === 'string' && v.length <= 1024)
  );
}
