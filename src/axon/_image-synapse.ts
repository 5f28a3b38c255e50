/** The `ImageSynapse` forward: JSON body → image → prediction → the synapse answered. */
import { RoadworkError } from '../errors/index.js';
import { DEFAULT_IMAGE_POLICY, type ImageDecoder } from '../image/index.js';
import type { Prediction, Predictor } from '../predictor/types.js';
import { parseJsonBody } from './_synapse-json.js';

/** Parses the body as a synapse object, or throws ERR_BODY_INVALID_JSON. */
export function parseSynapseBody(body: Buffer): Record<string, unknown> {
  let data: unknown;
  try {
    data = parseJsonBody(body);
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
  deps: { predictor: Predictor; decode: ImageDecoder },
  options: { deadlineMs: number; signal: AbortSignal; onPhase?: (phase: string, ms: number) => void },
): Promise<{ fields: Record<string, unknown>; prediction: Prediction }> {
  const image = synapse.image;
  if (typeof image !== 'string' || image.length === 0) {
    throw new RoadworkError(
      'ERR_IMAGE_MISSING',
      'Synapse has no image: send base64 JPEG in the `image` field',
    );
  }
  let t = performance.now();
  // Fitted to the models' policy while decoding: what reaches the predictor is small whatever was sent.
  const rgb = await deps.decode(image, {
    policy: deps.predictor.input ?? DEFAULT_IMAGE_POLICY,
    signal: options.signal,
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
  return { fields: { ...answerFields(synapse), image: '', prediction: p }, prediction };
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
