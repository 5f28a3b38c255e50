// The main-thread side of ONNX embedders, detectors and classifiers: settings, version, a worker pool per model.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveModelFolder } from '../../hub/index.js';
import { RoadworkError, isRoadworkError } from '../../../core/errors/index.js';
import type { RgbImage } from '../../image/index.js';
import { resolveWorkerFile, type WorkerPool } from '../../workers/index.js';
import { createOrtWorkerPool } from './_ort.js';
import { poolMonitor } from '../_monitor.js';
import type {
  Detection,
  ImageClassifier,
  ImageEmbedder,
  ModelRef,
  ObjectDetector,
  RunOptions,
  RuntimeContext,
} from '../types.js';
import { readGraphFacts } from './_graph.js';
import { CLASSIFIER_DEFAULTS, DETECTOR_DEFAULTS, EMBEDDER_DEFAULTS, resolveSettings } from './_options.js';
import type { OnnxAnswer, OnnxJob, OnnxWorkerData, WireImage } from './_worker.js';

type Pool = WorkerPool<OnnxJob, OnnxAnswer>;
type OnnxCapability = OnnxWorkerData['capability'];

const DEFAULTS = {
  embedder: EMBEDDER_DEFAULTS,
  detector: DETECTOR_DEFAULTS,
  classifier: CLASSIFIER_DEFAULTS,
} as const;

interface Loaded {
  readonly pool: Pool;
  readonly version: string;
  readonly data: OnnxWorkerData;
  readonly perImage: number;
}

async function load(capability: OnnxCapability, ref: ModelRef, ctx: RuntimeContext): Promise<Loaded> {
  // A classifier stage names its file directly (a path in the cascade config, any extension), as it
  // always has; embedders and detectors also take hub repos and folders.
  const path = capability === 'classifier' ? ref.model : await modelFile(ref, ctx);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `ONNX model file cannot be read: ${path}; give a local .onnx path (relative to the cascade config).`,
      { cause: err },
    );
  }
  let facts;
  try {
    facts = readGraphFacts(bytes);
  } catch (err) {
    throw new RoadworkError('ERR_MODEL_LOAD', `ONNX model cannot be parsed: ${path}; re-export it.`, {
      cause: err,
    });
  }
  const { file: _file, ...options } = ref.options ?? {};
  const settings = await resolveSettings(path, options, DEFAULTS[capability], facts.metadata);
  const labels = settings.labels ?? facts.labels ?? [];
  if (capability === 'detector' && labels.length === 0) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Detector has no class names: ${path}; set the labels option or a sidecar "labels" list.`,
    );
  }
  const data: OnnxWorkerData = {
    capability,
    modelPath: path,
    device: ctx.device,
    threads: settings.threads,
    size: settings.size,
    normalization: settings.normalization,
    ...(settings.dims === undefined ? {} : { dims: settings.dims }),
    pool: settings.pool,
    labels,
    ...(settings.layout === undefined ? {} : { layout: settings.layout }),
    confidence: settings.confidence,
    iou: settings.iou,
    maxDetections: settings.maxDetections,
    outputShape: facts.outputShape,
  };
  const digest = createHash('sha256').update(bytes);
  // A classifier's version is its file's hash alone, as the classifier stage has always reported it.
  if (capability !== 'classifier')
    digest.update(JSON.stringify({ ...data, modelPath: undefined, device: undefined, threads: undefined }));
  const hash = digest.digest('hex').slice(0, 12);
  const version = capability === 'classifier' ? hash : `onnx:${hash}`;
  const pool = createOrtWorkerPool<OnnxJob, OnnxAnswer>({
    file: resolveWorkerFile(import.meta.url, './_worker'),
    size: ctx.workers,
    // The worker runs its jobs one at a time (sequential); the second waits inside it, so a worker that
    // finishes starts the next run at once instead of idling until the busy main thread hands one over.
    concurrency: 2,
    workerData: data,
    ...poolMonitor(ctx, `onnx:${path}`),
  });
  await pool.start();
  const probe = await pool.run({ kind: 'probe' });
  if (probe.kind !== 'probe')
    throw new RoadworkError('ERR_INTERNAL', 'ONNX worker answered the probe wrongly.');
  if (probe.fallbackReason)
    ctx.logger.warn({ model: path, reason: probe.fallbackReason }, 'ONNX model on CPU');
  return { pool, version, data, perImage: probe.perImage };
}

/** Loads a plain ONNX backbone as an `ImageEmbedder`. */
export async function loadOnnxEmbedder(ref: ModelRef, ctx: RuntimeContext): Promise<ImageEmbedder> {
  const loaded = await load('embedder', ref, ctx);
  const shape = loaded.data.outputShape;
  const dims =
    loaded.data.dims ?? (shape.length === 3 && shape[2] !== undefined ? shape[2] : loaded.perImage);
  return Object.freeze({
    dims,
    version: loaded.version,
    async embed(images: readonly RgbImage[], options: RunOptions): Promise<Float32Array[]> {
      if (images.length === 0) return [];
      const wire = images.map(toWire);
      const answer = await run(loaded.pool, { kind: 'embed', images: wire }, wire, options, ctx);
      if (answer.kind !== 'embeddings' || answer.dims !== dims) {
        throw new RoadworkError('ERR_MODEL_OUTPUT', `Embedder answered an unexpected shape: ${ref.model}.`);
      }
      return images.map((_, i) => answer.data.slice(i * dims, (i + 1) * dims));
    },
    close: () => loaded.pool.drain(),
  });
}

/** Loads a YOLO-style ONNX detector as an `ObjectDetector`. */
export async function loadOnnxDetector(ref: ModelRef, ctx: RuntimeContext): Promise<ObjectDetector> {
  const loaded = await load('detector', ref, ctx);
  return Object.freeze({
    version: loaded.version,
    labels: loaded.data.labels,
    async detect(image: RgbImage, options: RunOptions): Promise<Detection[]> {
      const answer = await runOne(loaded.pool, 'detect', image, options, ctx);
      if (answer.kind !== 'detections') {
        throw new RoadworkError('ERR_MODEL_OUTPUT', `Detector answered an unexpected result: ${ref.model}.`);
      }
      return answer.detections;
    },
    close: () => loaded.pool.drain(),
  });
}

/**
 * Loads an ONNX model whose one output is p(roadwork) (the bundled baseline) as an `ImageClassifier`:
 * one image per run, so models exported with a fixed batch of one work too.
 */
export async function loadOnnxClassifier(ref: ModelRef, ctx: RuntimeContext): Promise<ImageClassifier> {
  const loaded = await load('classifier', ref, ctx);
  return Object.freeze({
    version: loaded.version,
    async classify(image: RgbImage, options: RunOptions): Promise<number> {
      const answer = await runOne(loaded.pool, 'classify', image, options, ctx);
      if (answer.kind !== 'probability') {
        throw new RoadworkError(
          'ERR_MODEL_OUTPUT',
          `Classifier answered an unexpected result: ${ref.model}.`,
        );
      }
      return answer.probability;
    },
    close: () => loaded.pool.drain(),
  });
}

/** A `.onnx` path as it is; a hub repo id or a folder → its `file` option (default `onnx/model.onnx`). */
async function modelFile(ref: ModelRef, ctx: RuntimeContext): Promise<string> {
  if (/\.onnx$/i.test(ref.model)) return ref.model;
  const file = ref.options?.file ?? 'onnx/model.onnx';
  if (typeof file !== 'string' || file === '') {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `ONNX model option file is invalid: ${JSON.stringify(file)}; name the .onnx file in the repo.`,
    );
  }
  const sidecar = file.replace(/\.onnx$/i, '') + '.json';
  // `<sidecar>*` is a glob, not a literal: literal names must exist and the sidecar is optional.
  const folder = await resolveModelFolder(ref.model, ctx, { files: [file, `${sidecar}*`] });
  return join(folder, file);
}

function toWire(image: RgbImage): WireImage {
  // Own copy: the buffer moves to the worker and the caller's image must stay intact.
  return { data: image.data.slice().buffer, width: image.width, height: image.height };
}

/** One image's job (its own copy transferred) under the call's deadline. */
function runOne(
  pool: Pool,
  kind: 'detect' | 'classify',
  image: RgbImage,
  options: RunOptions,
  ctx: RuntimeContext,
): Promise<OnnxAnswer> {
  const wire = toWire(image);
  return run(pool, { kind, image: wire }, [wire], options, ctx);
}

async function run(
  pool: Pool,
  job: OnnxJob,
  images: readonly WireImage[],
  options: RunOptions,
  ctx: RuntimeContext,
): Promise<OnnxAnswer> {
  const remainingMs = options.deadlineMs - (ctx.clock?.nowMs() ?? Date.now());
  if (remainingMs <= 0) {
    throw new RoadworkError(
      'ERR_DEADLINE_EXCEEDED',
      `Model run deadline already passed: ${-remainingMs} ms ago.`,
    );
  }
  try {
    return await pool.run(job, {
      transfer: images.map((i) => i.data),
      timeoutMs: remainingMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (err) {
    if (isRoadworkError(err)) throw err;
    throw new RoadworkError('ERR_INTERNAL', `ONNX model run failed: ${String(err)}; see the log.`, {
      cause: err,
    });
  }
}
