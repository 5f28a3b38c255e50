// Reads a model's input size and normalisation from its sidecar JSON, else from its ONNX metadata.
import { readFile } from 'node:fs/promises';
import { RoadworkError } from '../../core/errors/index.js';
import type { Normalization } from './_preprocess.js';

/** What a model declares about its input. */
export interface ModelSettings {
  readonly inputSize?: number;
  readonly normalization?: Normalization;
}

/**
 * `model.onnx` → `model.json` beside it (keys `inputSize`, `normalization: {mean, std}`); without a
 * sidecar, the ONNX metadata keys `input_size` and `normalization` (a JSON string).
 */
export async function readModelSettings(
  modelPath: string,
  metadata: () => Record<string, string>,
): Promise<ModelSettings> {
  const sidecarPath = modelPath.replace(/\.onnx$/i, '') + '.json';
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(sidecarPath, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `Model sidecar is not valid JSON: ${sidecarPath}; fix or delete it.`,
        {
          cause: err,
        },
      );
    }
    const meta = metadata();
    raw = {
      inputSize: meta.input_size === undefined ? undefined : Number(meta.input_size),
      normalization: meta.normalization === undefined ? undefined : safeJson(meta.normalization),
    };
  }
  return validate(raw, sidecarPath);
}

function validate(raw: unknown, source: string): ModelSettings {
  const o = (raw ?? {}) as { inputSize?: unknown; normalization?: { mean?: unknown; std?: unknown } };
  const out: { inputSize?: number; normalization?: Normalization } = {};
  if (o.inputSize !== undefined) {
    if (!Number.isInteger(o.inputSize) || (o.inputSize as number) < 8)
      throw bad(source, 'inputSize', o.inputSize);
    out.inputSize = o.inputSize as number;
  }
  if (o.normalization !== undefined) {
    const { mean, std } = o.normalization;
    if (!triple(mean)) throw bad(source, 'normalization.mean', mean);
    if (!triple(std) || std.some((s) => s <= 0)) throw bad(source, 'normalization.std', std);
    out.normalization = { mean, std };
  }
  return out;
}

function triple(v: unknown): v is [number, number, number] {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function bad(source: string, key: string, value: unknown): RoadworkError {
  return new RoadworkError(
    'ERR_MODEL_LOAD',
    `Model setting ${key} is invalid in ${source}: ${JSON.stringify(value)}; fix the sidecar or the model metadata.`,
  );
}
