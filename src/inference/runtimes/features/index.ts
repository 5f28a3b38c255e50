/**
 * The `features` runtime: hand-made features (`src/inference/features`) as an embedder of their own,
 * with no model file. Beside a backbone (`--embedder` twice, or a stage's list of embedders) it adds
 * feature sets without embedding the backbone again: each embedder keeps its own cache.
 */
import { RoadworkError, isRoadworkError } from '../../../core/errors/index.js';
import type { Clock } from '../../../core/clock/index.js';
import { EXTRA_NAMES, extrasDims, extrasVersion, type ExtraName } from '../../features/index.js';
import type { RgbImage } from '../../image/index.js';
import { createWorkerPool, resolveWorkerFile, type WorkerPool } from '../../workers/index.js';
import { poolMonitor } from '../_monitor.js';
import { runSlices } from '../_slices.js';
import type { ImageEmbedder, ModelRef, RunOptions, Runtime, RuntimeContext } from '../types.js';
import type { FeaturesJob, FeaturesWorkerData } from './_worker.js';

const PREFIX = 'builtin:';

/** The `features` runtime: embedders only. */
export const featuresRuntime: Runtime = Object.freeze<Runtime>({
  name: 'features',
  description: `hand-made image features as an embedder, no model file (builtin:${EXTRA_NAMES.join(', builtin:')}; several joined with +, e.g. builtin:colour-shape+objects)`,
  embedder: loadFeaturesEmbedder,
  // The features read the frame at the size and shape it arrives in.
  squashes: () => false,
});

/** The feature sets a `features` model names (`builtin:objects`, `builtin:colour-shape+objects`). */
export function featureSets(ref: ModelRef): ExtraName[] {
  const valid = `builtin:${EXTRA_NAMES.join(', builtin:')}, or several joined with +`;
  const keys = Object.keys(ref.options ?? {});
  if (keys.length > 0)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid features option key: "${keys[0]}"; the features runtime takes no options`,
    );
  const names = ref.model.startsWith(PREFIX) ? ref.model.slice(PREFIX.length).split('+') : [];
  const bad =
    names.length === 0 ? ref.model : names.find((n) => !(EXTRA_NAMES as readonly string[]).includes(n));
  if (bad !== undefined)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Unknown features model: "${bad}"; valid ones are ${valid}`,
    );
  if (new Set(names).size !== names.length)
    throw new RoadworkError('ERR_CONFIG_INVALID', `Features model names a set twice: ${ref.model}`);
  return names as ExtraName[];
}

/** Starts `ctx.workers` feature workers for `ref` (see `featureSets`). */
export async function loadFeaturesEmbedder(ref: ModelRef, ctx: RuntimeContext): Promise<ImageEmbedder> {
  const names = featureSets(ref);
  const monitor = poolMonitor(ctx, `features:${ref.model}`);
  const workerData: FeaturesWorkerData = { names };
  const pool = createWorkerPool<FeaturesJob, Float32Array[]>({
    file: resolveWorkerFile(import.meta.url, './_worker'),
    size: Math.max(1, ctx.workers),
    workerData,
    ...monitor,
  });
  // A pool that fails to start has already stopped its workers (`WorkerPool.start`).
  await pool.start().catch((err: unknown) => {
    if (isRoadworkError(err)) throw err;
    throw new RoadworkError('ERR_MODEL_LOAD', `The features workers failed to start: ${ref.model}`, {
      cause: err,
    });
  });
  const version = `features:${extrasVersion(names).slice(1)}`;
  ctx.logger.info({ model: ref.model, version, workers: ctx.workers }, 'features embedder ready');
  return new FeaturesEmbedder(pool, extrasDims(names), version, Math.max(1, ctx.workers), monitor.clock);
}

class FeaturesEmbedder implements ImageEmbedder {
  readonly #pool: WorkerPool<FeaturesJob, Float32Array[]>;
  readonly #workers: number;
  readonly #clock: Clock;

  constructor(
    pool: WorkerPool<FeaturesJob, Float32Array[]>,
    readonly dims: number,
    readonly version: string,
    workers: number,
    clock: Clock,
  ) {
    this.#pool = pool;
    this.#workers = workers;
    this.#clock = clock;
  }

  async embed(images: readonly RgbImage[], options: RunOptions): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const timeoutMs = options.deadlineMs - this.#clock.nowMs();
    if (timeoutMs <= 0)
      throw new RoadworkError(
        'ERR_DEADLINE_EXCEEDED',
        `Feature deadline already passed: ${-timeoutMs} ms ago`,
      );
    const results = await runSlices(this.#pool, images, this.#workers, (slice) => ({ images: slice }), {
      timeoutMs,
      signal: options.signal,
    });
    const out = results.flat();
    if (out.length !== images.length || out.some((e) => e.length !== this.dims))
      throw new RoadworkError(
        'ERR_MODEL_OUTPUT',
        `Features workers gave ${out.length} vectors for ${images.length} images of ${this.dims}`,
      );
    return out;
  }

  async close(): Promise<void> {
    await this.#pool.drain();
  }
}
