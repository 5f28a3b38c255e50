// Main-thread handles for transformers.js models: route jobs to the worker pool under each deadline.
import { RoadworkError, isRoadworkError } from '../../../core/errors/index.js';
import type { Clock } from '../../../core/clock/index.js';
import { resolveWorkerFile, type WorkerPool, type WorkerPoolOptions } from '../../workers/index.js';
import type { RgbImage } from '../../image/index.js';
import { createOrtWorkerPool } from '../onnx/index.js';
import type { Detection, ImageEmbedder, ObjectDetector, RunOptions, TextLine, TextReader } from '../types.js';
import type { Answer, Info, Job, WireImage, WorkerData } from './_worker.js';

/** A started pool, what its workers learned at warm-up, and the clock its deadlines are read on. */
export interface Loaded {
  readonly pool: WorkerPool<Job, Answer>;
  readonly info: Info;
  readonly clock: Clock;
}

/** Starts `size` workers for `data`; each loads and warms its pipeline. */
export async function startPool(
  data: WorkerData,
  size: number,
  monitor: Pick<WorkerPoolOptions, 'name' | 'onEvent' | 'health'> & { readonly clock: Clock },
): Promise<Loaded> {
  const pool = createOrtWorkerPool<Job, Answer>({
    file: resolveWorkerFile(import.meta.url, './_worker'),
    size,
    workerData: data,
    readyTimeoutMs: 300_000,
    ...monitor,
  });
  try {
    await pool.start();
  } catch (err) {
    await pool.drain({ timeoutMs: 1000 }).catch(() => undefined);
    throw err;
  }
  return { pool, info: (await pool.run({ kind: 'info' })) as Info, clock: monitor.clock };
}

function wire(image: RgbImage): WireImage {
  if (image.data.length !== image.width * image.height * 3) {
    throw new RoadworkError(
      'ERR_IMAGE_FORMAT',
      `Image data length does not match its size: ${image.data.length} for ${image.width}×${image.height}×3; pass packed RGB.`,
    );
  }
  // Own copy: the buffer moves to the worker, and the caller's image must stay intact.
  return { data: image.data.slice().buffer, width: image.width, height: image.height };
}

async function call<T>(
  { pool, clock }: Loaded,
  job: Job,
  transfer: ArrayBuffer[],
  options: RunOptions,
  what: string,
): Promise<T> {
  const remainingMs = options.deadlineMs - clock.nowMs();
  if (remainingMs <= 0) {
    throw new RoadworkError(
      'ERR_STAGE_TIMEOUT',
      `${what} deadline already passed: ${-remainingMs} ms ago; skipped.`,
    );
  }
  try {
    const answer = await pool.run(job, {
      transfer,
      timeoutMs: remainingMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return answer as T;
  } catch (err) {
    if (isRoadworkError(err)) throw err;
    throw new RoadworkError('ERR_MODEL_OUTPUT', `${what} failed: ${String(err)}; see the log.`, {
      cause: err,
    });
  }
}

/** An `ImageEmbedder` over a started pool. */
export class Embedder implements ImageEmbedder {
  readonly dims: number;
  readonly version: string;
  readonly #loaded: Loaded;

  constructor(loaded: Loaded, version: string) {
    this.#loaded = loaded;
    this.dims = loaded.info.dims ?? 0;
    this.version = version;
  }

  async embed(images: readonly RgbImage[], options: RunOptions): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const wired = images.map(wire);
    const job: Job = { kind: 'embed', images: wired };
    return call<Float32Array[]>(
      this.#loaded,
      job,
      wired.map((w) => w.data),
      options,
      'Embedding',
    );
  }

  close(): Promise<void> {
    return this.#loaded.pool.drain();
  }
}

/** An `ObjectDetector` over a started pool. */
export class Detector implements ObjectDetector {
  readonly version: string;
  readonly labels: readonly string[];
  readonly #loaded: Loaded;

  constructor(loaded: Loaded, version: string) {
    this.#loaded = loaded;
    this.labels = loaded.info.labels ?? [];
    this.version = version;
  }

  // async: a malformed image must reject the promise, not throw before one exists.
  async detect(image: RgbImage, options: RunOptions): Promise<Detection[]> {
    const w = wire(image);
    return call<Detection[]>(this.#loaded, { kind: 'detect', image: w }, [w.data], options, 'Detection');
  }

  close(): Promise<void> {
    return this.#loaded.pool.drain();
  }
}

/** A `TextReader` over a started pool. */
export class Reader implements TextReader {
  readonly version: string;
  readonly #loaded: Loaded;

  constructor(loaded: Loaded, version: string) {
    this.#loaded = loaded;
    this.version = version;
  }

  async read(image: RgbImage, options: RunOptions): Promise<TextLine[]> {
    const w = wire(image);
    return call<TextLine[]>(this.#loaded, { kind: 'read', image: w }, [w.data], options, 'Reading');
  }

  close(): Promise<void> {
    return this.#loaded.pool.drain();
  }
}
