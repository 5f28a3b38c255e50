/**
 * The `tfjs` runtime: TensorFlow.js image embedders and detectors on the wasm backend, in worker
 * threads. The builtin `builtin:mobilenetv2` is the ImageNet MobileNetV2 shipped inside the `nsfwjs`
 * npm package and `builtin:centernet` the COCO CenterNet shipped inside `@vladmandic/human`, so both
 * install with `npm ci` and run offline.
 */
import { isAbsolute, resolve } from 'node:path';
import { RoadworkError } from '../../errors/index.js';
import type { RgbImage } from '../../predictor/types.js';
import type { WorkerPool } from '../../workers/index.js';
import type { ImageEmbedder, ModelRef, RunOptions, Runtime, RuntimeContext } from '../types.js';
import type { TfjsModelSpec } from './_model.js';
import { startTfjsPool } from './_pool.js';
import type { TfjsAnswer, TfjsJob } from './_worker.js';
import { loadTfjsDetector } from './_detector.js';

export type { TfjsModelSpec } from './_model.js';
export { COCO_LABELS } from './_coco.js';
export { DETECTOR_BUILTINS, loadTfjsDetector, tfjsDetectorSpec, type TfjsDetectorSpec } from './_detector.js';

const OPTION_KEYS = ['layer', 'pooling', 'inputRange', 'inputSize', 'extras'] as const;
const POOLINGS = ['avg', 'max', 'avgmax'] as const;
const EXTRAS = ['colour-shape'] as const;

/** The `tfjs` runtime: embedders and the builtin COCO detector. */
export const tfjsRuntime: Runtime = Object.freeze({
  name: 'tfjs',
  description:
    'TensorFlow.js models on the wasm backend (embedders: builtin:mobilenetv2 from nsfwjs or a model.json folder; detector: builtin:centernet from @vladmandic/human)',
  embedder: loadTfjsEmbedder,
  detector: loadTfjsDetector,
});

/** Reads and checks a `ModelRef`'s options for the tfjs runtime. */
export function tfjsModelSpec(ref: ModelRef): TfjsModelSpec {
  const options = ref.options ?? {};
  const bad = (what: string): never => {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid tfjs option ${what}; tfjs options are ${OPTION_KEYS.join(', ')}`,
    );
  };
  for (const key of Object.keys(options)) {
    if (!(OPTION_KEYS as readonly string[]).includes(key)) bad(`key: "${key}"`);
  }
  const layer = options.layer;
  const names = typeof layer === 'string' ? [layer] : layer;
  if (
    layer !== undefined &&
    (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && n !== ''))
  ) {
    bad(`layer: ${JSON.stringify(layer)} (want a layer name or a list of them)`);
  }
  const pooling = options.pooling;
  if (pooling !== undefined && !(POOLINGS as readonly unknown[]).includes(pooling)) {
    bad(`pooling: ${JSON.stringify(pooling)} (valid poolings: ${POOLINGS.join(', ')})`);
  }
  const range = options.inputRange ?? [0, 1];
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => Number.isFinite(v))) {
    bad(`inputRange: ${JSON.stringify(range)} (want [lo, hi])`);
  }
  const inputSize = options.inputSize;
  if (
    inputSize !== undefined &&
    !(Number.isInteger(inputSize) && (inputSize as number) >= 32 && (inputSize as number) <= 1024)
  ) {
    bad(`inputSize: ${JSON.stringify(inputSize)} (want an integer pixel size from 32 to 1024)`);
  }
  const extras = options.extras ?? [];
  if (!Array.isArray(extras) || !extras.every((e) => (EXTRAS as readonly unknown[]).includes(e))) {
    bad(`extras: ${JSON.stringify(extras)} (valid extras: ${EXTRAS.join(', ')})`);
  }
  const model = ref.model;
  if (!model.startsWith('builtin:') && /^[a-z]+:\/\//i.test(model)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The tfjs runtime loads only local folders and builtins: ${model}; download the model folder first`,
    );
  }
  return {
    model: model.startsWith('builtin:') || isAbsolute(model) ? model : resolve(model),
    ...(layer === undefined ? {} : { layer: layer as string | string[] }),
    ...(pooling === undefined ? {} : { pooling: pooling as (typeof POOLINGS)[number] }),
    inputRange: range as [number, number],
    ...(inputSize === undefined ? {} : { inputSize: inputSize as number }),
    ...((extras as unknown[]).length === 0 ? {} : { extras: extras as 'colour-shape'[] }),
  };
}

/** Loads a tfjs embedder: `ctx.workers` worker threads, each with its own wasm backend and model copy. */
export async function loadTfjsEmbedder(ref: ModelRef, ctx: RuntimeContext): Promise<ImageEmbedder> {
  const spec = tfjsModelSpec(ref);
  const { pool, info } = await startTfjsPool<TfjsJob, TfjsAnswer, Exclude<TfjsAnswer, Float32Array[]>>(
    './_worker',
    { model: ref.model, workerData: spec, isInfo: (a) => !Array.isArray(a) },
    ctx,
  );
  ctx.logger.info({ model: ref.model, version: info.version, workers: ctx.workers }, 'tfjs embedder ready');
  return new TfjsEmbedder(pool, info.dims, info.version, Math.max(1, ctx.workers));
}

class TfjsEmbedder implements ImageEmbedder {
  readonly dims: number;
  readonly version: string;
  readonly #pool: WorkerPool<TfjsJob, TfjsAnswer>;
  readonly #workers: number;

  constructor(pool: WorkerPool<TfjsJob, TfjsAnswer>, dims: number, version: string, workers: number) {
    this.#pool = pool;
    this.dims = dims;
    this.version = version;
    this.#workers = workers;
  }

  async embed(images: readonly RgbImage[], options: RunOptions): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const timeoutMs = options.deadlineMs - Date.now();
    if (timeoutMs <= 0) {
      throw new RoadworkError(
        'ERR_DEADLINE_EXCEEDED',
        `Embedding deadline already passed: ${-timeoutMs} ms ago`,
      );
    }
    // One slice per worker: the wasm backend is single-threaded, so parallelism comes from the pool.
    const per = Math.ceil(images.length / this.#workers);
    const slices: RgbImage[][] = [];
    for (let i = 0; i < images.length; i += per) slices.push(images.slice(i, i + per));
    const results = await Promise.all(
      slices.map((slice) => {
        // Own copies: buffers are transferred, and the caller's images must stay intact.
        const batch = slice.map((img) => ({
          data: img.data.slice().buffer,
          width: img.width,
          height: img.height,
        }));
        return this.#pool.run(
          { kind: 'embed', images: batch, deadlineMs: options.deadlineMs },
          {
            transfer: batch.map((b) => b.data),
            timeoutMs,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          },
        );
      }),
    );
    const out = results.flatMap((r) => {
      if (!Array.isArray(r))
        throw new RoadworkError('ERR_MODEL_OUTPUT', 'tfjs worker answered embed with info');
      return r;
    });
    if (out.length !== images.length || out.some((e) => e.length !== this.dims)) {
      throw new RoadworkError(
        'ERR_MODEL_OUTPUT',
        `tfjs embedder returned ${out.length} embeddings for ${images.length} images (want ${this.dims} dims each)`,
      );
    }
    return out;
  }

  async close(): Promise<void> {
    await this.#pool.drain();
  }
}
