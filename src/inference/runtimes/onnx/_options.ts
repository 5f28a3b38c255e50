// What an ONNX model needs besides its weights: input size, normalisation, pooling, labels, thresholds.
import { readFile } from 'node:fs/promises';
import { RoadworkError } from '../../../core/errors/index.js';
import type { Normalization } from './_preprocess.js';

/**
 * Resolved settings of one ONNX model: `ModelRef.options` win over the sidecar `<model>.json`, which
 * wins over the model's own metadata (`input_size`, `normalization`; read only without a sidecar).
 */
export interface OnnxModelSettings {
  readonly size: number;
  readonly normalization: Normalization;
  /** Embedders: how `[N, T, D]` token outputs become one vector. */
  readonly pool: 'mean' | 'cls';
  /** Embedders: the embedding width, when the graph does not declare it. */
  readonly dims?: number;
  /** Detectors: class names in output order. */
  readonly labels?: readonly string[];
  /** Detectors: `v8` = `[N, 4+C, A]`, `v5` = `[N, A, 5+C]`; inferred when absent. */
  readonly layout?: 'v8' | 'v5';
  readonly confidence: number;
  readonly iou: number;
  readonly maxDetections: number;
  readonly threads: number;
}

const KEYS = [
  'size',
  'mean',
  'std',
  'pool',
  'dims',
  'labels',
  'layout',
  'confidence',
  'iou',
  'max_detections',
  'threads',
  'file',
] as const;

/** Defaults per capability: backbones expect ImageNet statistics at 224, YOLO exports raw /255 at 640. */
export const EMBEDDER_DEFAULTS = { size: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** See `EMBEDDER_DEFAULTS`. */
export const DETECTOR_DEFAULTS = { size: 640, mean: [0, 0, 0], std: [1, 1, 1] };
/** Classifiers (one output, p(roadwork)) default as backbones do: ImageNet statistics at 224. */
export const CLASSIFIER_DEFAULTS = EMBEDDER_DEFAULTS;

/**
 * Merges options over the sidecar (else the model's `metadata`) over the defaults, and validates every
 * value: a bad option is ERR_CONFIG_INVALID, a bad value from the model's files ERR_MODEL_LOAD.
 */
export async function resolveSettings(
  modelPath: string,
  options: Readonly<Record<string, unknown>> = {},
  defaults: { size: number; mean: number[]; std: number[] },
  metadata: Readonly<Record<string, string>> = {},
): Promise<OnnxModelSettings> {
  for (const key of Object.keys(options)) {
    if (!(KEYS as readonly string[]).includes(key)) {
      throw invalid(modelPath, key, options[key], `valid options are ${KEYS.join(', ')}`);
    }
  }
  const sidecar = (await readSidecar(modelPath)) ?? fromMetadata(metadata);
  const pick = (key: string, sidecarKey = key): unknown => options[key] ?? sidecar[sidecarKey];
  const norm = (sidecar.normalization ?? {}) as { mean?: unknown; std?: unknown };
  const size = pick('size', 'inputSize') ?? defaults.size;
  const mean = options.mean ?? norm.mean ?? defaults.mean;
  const std = options.std ?? norm.std ?? defaults.std;
  const pool = pick('pool') ?? 'mean';
  const dims = pick('dims');
  const labels = pick('labels');
  const layout = pick('layout');
  const confidence = pick('confidence') ?? 0.25;
  const iou = pick('iou') ?? 0.45;
  const maxDetections = pick('max_detections', 'maxDetections') ?? 300;
  const threads = pick('threads') ?? 1;
  const check = (ok: boolean, key: string, value: unknown, fix: string): void => {
    if (!ok)
      throw invalid(modelPath, key, value, fix, options[key] === undefined ? 'ERR_MODEL_LOAD' : undefined);
  };
  const declared = sidecar.normalization;
  check(
    declared === undefined || (typeof declared === 'object' && declared !== null),
    'normalization',
    declared,
    'use {"mean": [r, g, b], "std": [r, g, b]}',
  );
  check(isInt(size, 8), 'size', size, 'use an integer ≥ 8');
  check(isTriple(mean), 'mean', mean, 'use three numbers');
  check(isTriple(std) && std.every((s) => s > 0), 'std', std, 'use three numbers > 0');
  check(pool === 'mean' || pool === 'cls', 'pool', pool, 'use mean or cls');
  check(dims === undefined || isInt(dims, 1), 'dims', dims, 'use a positive integer');
  check(
    labels === undefined ||
      (Array.isArray(labels) && labels.length > 0 && labels.every((l) => typeof l === 'string')),
    'labels',
    labels,
    'use a list of class names',
  );
  check(layout === undefined || layout === 'v8' || layout === 'v5', 'layout', layout, 'use v8 or v5');
  check(isUnit(confidence), 'confidence', confidence, 'use a number in [0, 1]');
  check(isUnit(iou), 'iou', iou, 'use a number in [0, 1]');
  check(isInt(maxDetections, 1), 'max_detections', maxDetections, 'use a positive integer');
  check(isInt(threads, 1), 'threads', threads, 'use a positive integer');
  return Object.freeze({
    size: size as number,
    normalization: { mean: mean as Normalization['mean'], std: std as Normalization['std'] },
    pool: pool as 'mean' | 'cls',
    ...(dims === undefined ? {} : { dims: dims as number }),
    ...(labels === undefined ? {} : { labels: Object.freeze([...(labels as string[])]) }),
    ...(layout === undefined ? {} : { layout: layout as 'v8' | 'v5' }),
    confidence: confidence as number,
    iou: iou as number,
    maxDetections: maxDetections as number,
    threads: threads as number,
  });
}

/** The sidecar's keys, or undefined when there is none. */
async function readSidecar(modelPath: string): Promise<Record<string, unknown> | undefined> {
  const path = modelPath.replace(/\.onnx$/i, '') + '.json';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new RoadworkError('ERR_MODEL_LOAD', `Model sidecar cannot be read: ${path}; check it.`, {
      cause: err,
    });
  }
  try {
    const raw: unknown = JSON.parse(text);
    return raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  } catch (err) {
    throw new RoadworkError('ERR_MODEL_LOAD', `Model sidecar is not valid JSON: ${path}; fix or delete it.`, {
      cause: err,
    });
  }
}

/** The sidecar's keys from ONNX metadata: `input_size` (a number) and `normalization` (JSON). */
function fromMetadata(meta: Readonly<Record<string, string>>): Record<string, unknown> {
  return {
    inputSize: meta.input_size === undefined ? undefined : Number(meta.input_size),
    normalization: meta.normalization === undefined ? undefined : jsonOrText(meta.normalization),
  };
}

function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isInt(v: unknown, min: number): v is number {
  return Number.isInteger(v) && (v as number) >= min;
}

function isUnit(v: unknown): v is number {
  return typeof v === 'number' && v >= 0 && v <= 1;
}

function isTriple(v: unknown): v is [number, number, number] {
  return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

function invalid(
  modelPath: string,
  key: string,
  value: unknown,
  fix: string,
  code: 'ERR_CONFIG_INVALID' | 'ERR_MODEL_LOAD' = 'ERR_CONFIG_INVALID',
): RoadworkError {
  const what = code === 'ERR_MODEL_LOAD' ? 'setting (sidecar or metadata)' : 'option';
  return new RoadworkError(
    code,
    `ONNX model ${what} ${key} is invalid for ${modelPath}: ${JSON.stringify(value)}; ${fix}.`,
  );
}
