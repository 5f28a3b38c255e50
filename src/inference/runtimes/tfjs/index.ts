/**
 * The `tfjs` runtime: TensorFlow.js image embedders and detectors, in worker threads. Embedders that
 * are Keras layers models (the builtins `builtin:mobilenetv2` and `builtin:inceptionv3`, shipped
 * inside the `nsfwjs` npm package) run converted to ONNX on onnxruntime by default, with the same
 * numbers and version; other models, and `engine: wasm`, run on TensorFlow.js's wasm backend.
 * `builtin:centernet` is the COCO CenterNet shipped inside `@vladmandic/human`. All install with
 * `npm ci` and run offline.
 */
import { isAbsolute, resolve } from 'node:path';
import { RoadworkError, isRoadworkError } from '../../../core/errors/index.js';
import { EXTRA_NAMES, extrasVersion, type ExtraName } from '../../features/index.js';
import type { RgbImage } from '../../image/index.js';
import type { Clock } from '../../../core/clock/index.js';
import type { WorkerPool } from '../../workers/index.js';
import type { ImageEmbedder, ModelRef, RunOptions, Runtime, RuntimeContext } from '../types.js';
import { autoIntraOpThreads } from '../_threads.js';
import { runSlices } from '../_slices.js';
import { embeddingVersion, resolveModel } from './_artifacts.js';
import { onnxGraphFor, type OnnxGraph } from './_onnx-graph.js';
import type { TfjsOnnxWorkerData } from './_onnx-worker.js';
import { startTfjsPool } from './_pool.js';
import type { TfjsModelSpec } from './_spec.js';
import type { TfjsAnswer, TfjsJob } from './_worker.js';
import { loadTfjsDetector } from './_detector.js';
import { pointwiseConv, type PointwiseConv } from '../convert/index.js';

export type { EmbedderPooling, TfjsModelSpec } from './_spec.js';
export { GRAPH_FOLDER } from './_onnx-graph.js';
export { COCO_LABELS } from './_coco.js';
export { DETECTOR_BUILTINS, loadTfjsDetector, tfjsDetectorSpec, type TfjsDetectorSpec } from './_detector.js';

const OPTION_KEYS = [
  'layer',
  'pooling',
  'inputRange',
  'inputSize',
  'tiles',
  'extras',
  'engine',
  'allowSpinning',
] as const;
const POOLINGS = ['avg', 'max', 'avgmax', 'cells'] as const;
const ENGINES = ['auto', 'onnx', 'wasm'] as const;

/** The `tfjs` runtime: embedders and the builtin COCO detector. */
export const tfjsRuntime: Runtime = Object.freeze<Runtime>({
  name: 'tfjs',
  description:
    'TensorFlow.js models (embedders: builtin:mobilenetv2 / builtin:inceptionv3 from nsfwjs or a model.json folder, converted to ONNX for onnxruntime where they convert, else on the wasm backend; detector: builtin:centernet from @vladmandic/human)',
  embedder: loadTfjsEmbedder,
  detector: loadTfjsDetector,
  // An embedder resizes the whole frame to its square input unless it cuts the frame into tiles.
  squashes: (capability, options) => capability === 'embedder' && options?.tiles === undefined,
});

/**
 * A 1×1 convolution of a tfjs layers model (`model`: `builtin:mobilenetv2` or a folder), its batch
 * norm folded in, as the starting weights of a conv head (`roadwork train --model conv`).
 */
export async function loadPointwiseConv(model: string, layer: string): Promise<PointwiseConv> {
  const { artifacts } = await resolveModel({ model, inputRange: [0, 1] });
  if (artifacts.format === 'graph-model')
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Cannot read layer "${layer}" of a tfjs graph model: ${model}; a conv head starts from a layers model`,
    );
  return pointwiseConv(artifacts, layer);
}

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
  const tiles = options.tiles;
  if (tiles !== undefined) {
    if (!(Number.isInteger(tiles) && (tiles as number) >= 1 && (tiles as number) <= 8))
      bad(`tiles: ${JSON.stringify(tiles)} (want a whole number of tiles from 1 to 8)`);
    if (pooling !== undefined && pooling !== 'avg' && pooling !== 'max')
      bad(`tiles with pooling ${JSON.stringify(pooling)} (tiles combine avg or max pooling only)`);
    if (options.engine === 'wasm') bad('tiles with engine wasm (tiles run on the onnx engine only)');
  }
  const extras = options.extras ?? [];
  if (
    !Array.isArray(extras) ||
    !extras.every((e) => (EXTRA_NAMES as readonly unknown[]).includes(e)) ||
    new Set(extras).size !== extras.length
  ) {
    bad(`extras: ${JSON.stringify(extras)} (valid extras, each once: ${EXTRA_NAMES.join(', ')})`);
  }
  const engine = options.engine ?? 'auto';
  if (!(ENGINES as readonly unknown[]).includes(engine)) {
    bad(`engine: ${JSON.stringify(engine)} (valid engines: ${ENGINES.join(', ')})`);
  }
  const allowSpinning = options.allowSpinning;
  if (allowSpinning !== undefined && typeof allowSpinning !== 'boolean') {
    bad(`allowSpinning: ${JSON.stringify(allowSpinning)} (want true or false)`);
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
    ...(tiles === undefined ? {} : { tiles: tiles as number }),
    ...((extras as unknown[]).length === 0 ? {} : { extras: extras as ExtraName[] }),
    ...(engine === 'auto' ? {} : { engine: engine as (typeof ENGINES)[number] }),
    ...(allowSpinning === undefined ? {} : { allowSpinning: allowSpinning as boolean }),
  };
}

/**
 * Loads a tfjs embedder in `ctx.workers` worker threads: on the ONNX engine (the graph converted once
 * and cached under `ctx.cacheDir`) when the spec allows and the model converts, else on wasm.
 */
export async function loadTfjsEmbedder(ref: ModelRef, ctx: RuntimeContext): Promise<ImageEmbedder> {
  const spec = tfjsModelSpec(ref);
  const graph = spec.engine === 'wasm' ? undefined : await convertedGraph(spec, ctx);
  if (graph === undefined && spec.tiles !== undefined) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `tfjs tiles need the onnx engine, and ${spec.model} does not convert to ONNX; drop tiles to run it on wasm`,
    );
  }
  if (graph === undefined)
    return startEmbedder('./_worker', spec, ref, ctx, { workerData: spec, engine: 'wasm' });
  const threads = autoIntraOpThreads(ctx.workers, ctx.intraOpThreads);
  const extras = spec.extras ?? [];
  const backbone = embeddingVersion(graph.model, spec, graph.graph.dims);
  const data: TfjsOnnxWorkerData = {
    source: graph.graph.source,
    inputSize: graph.graph.inputSize,
    inputRange: spec.inputRange,
    dims: graph.graph.dims,
    extras,
    ...(spec.tiles === undefined
      ? {}
      : { tiles: { count: spec.tiles, pooling: spec.pooling === 'max' ? 'max' : 'avg' } }),
    version: `${backbone}${extrasVersion(extras)}`,
    threads,
    ...(spec.allowSpinning === undefined ? {} : { allowSpinning: spec.allowSpinning }),
    device: ctx.device,
  };
  return startEmbedder('./_onnx-worker', spec, ref, ctx, {
    workerData: data,
    engine: 'onnx',
    log: { threads, graph: graph.graph.cache },
  });
}

/**
 * The converted graph, or undefined when the wasm engine must run the model (engine `auto` and a
 * model that does not convert: logged). A bad name or layer fails as the wasm engine would.
 */
async function convertedGraph(
  spec: TfjsModelSpec,
  ctx: RuntimeContext,
): Promise<{ model: Awaited<ReturnType<typeof resolveModel>>; graph: OnnxGraph } | undefined> {
  const model = await resolveModel(spec);
  try {
    return { model, graph: await onnxGraphFor(model, spec, ctx) };
  } catch (err) {
    if (spec.engine === 'onnx' || isRoadworkError(err, 'ERR_CONFIG_INVALID')) throw err;
    ctx.logger.info(
      { model: spec.model, reason: (err as Error).message },
      'tfjs model does not convert to ONNX; running it on the wasm engine',
    );
    return undefined;
  }
}

async function startEmbedder(
  file: string,
  spec: TfjsModelSpec,
  ref: ModelRef,
  ctx: RuntimeContext,
  o: { workerData: unknown; engine: 'onnx' | 'wasm'; log?: Record<string, unknown> },
): Promise<ImageEmbedder> {
  const { pool, info, clock } = await startTfjsPool<TfjsJob, TfjsAnswer, Exclude<TfjsAnswer, Float32Array[]>>(
    file,
    {
      model: ref.model,
      workerData: o.workerData,
      isInfo: (a) => !Array.isArray(a),
      // The ONNX worker serves jobs in order; a second one waiting inside it starts without a round trip.
      ...(o.engine === 'onnx' ? { concurrency: 2 } : {}),
    },
    ctx,
  );
  if (info.note !== undefined) ctx.logger.warn({ model: spec.model, reason: info.note }, 'tfjs model on CPU');
  ctx.logger.info(
    { model: ref.model, version: info.version, workers: ctx.workers, engine: o.engine, ...o.log },
    'tfjs embedder ready',
  );
  return new TfjsEmbedder(pool, info.dims, info.version, Math.max(1, ctx.workers), clock);
}

class TfjsEmbedder implements ImageEmbedder {
  readonly dims: number;
  readonly version: string;
  readonly #pool: WorkerPool<TfjsJob, TfjsAnswer>;
  readonly #workers: number;
  readonly #clock: Clock;

  constructor(
    pool: WorkerPool<TfjsJob, TfjsAnswer>,
    dims: number,
    version: string,
    workers: number,
    clock: Clock,
  ) {
    this.#pool = pool;
    this.dims = dims;
    this.version = version;
    this.#workers = workers;
    this.#clock = clock;
  }

  async embed(images: readonly RgbImage[], options: RunOptions): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const timeoutMs = options.deadlineMs - this.#clock.nowMs();
    if (timeoutMs <= 0) {
      throw new RoadworkError(
        'ERR_DEADLINE_EXCEEDED',
        `Embedding deadline already passed: ${-timeoutMs} ms ago`,
      );
    }
    // The wasm backend is single-threaded; on the ONNX engine the slices run side by side.
    const results = await runSlices(
      this.#pool,
      images,
      this.#workers,
      (slice): TfjsJob => ({ kind: 'embed', images: slice }),
      { timeoutMs, signal: options.signal },
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
