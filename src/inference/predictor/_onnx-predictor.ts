// A Predictor backed by one ONNX model run in a worker pool; the event loop only routes jobs.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { systemClock, type Clock } from '../../core/clock/index.js';
import { RoadworkError, isRoadworkError } from '../../core/errors/index.js';
import { readModelMetadata, type Device } from '../models/index.js';
import { createWorkerPool, resolveWorkerFile, type PoolEvent, type WorkerPool } from '../workers/index.js';
import { IMAGENET_NORMALIZATION, type Normalization } from './_preprocess.js';
import { readModelSettings } from './_settings.js';
import type { PredictorAnswer, PredictorJob, PredictorWorkerData } from './_worker.js';
import type { PredictOptions, Prediction, Predictor, PredictorStatus } from './types.js';
import type { RgbImage } from '../image/index.js';

/** Options for `createOnnxPredictor`. */
export interface OnnxPredictorOptions {
  /** The `.onnx` file; a sidecar `<name>.json` beside it supplies input size and normalisation. */
  readonly modelPath: string;
  /** Worker threads, one session each. Default 1. */
  readonly workers?: number;
  /** Default `'cpu'`; `'cuda'` falls back to the CPU with the reason in `status().detail`. */
  readonly device?: Device;
  /** Overrides the sidecar/metadata input size (default 224). */
  readonly inputSize?: number;
  /** Overrides the sidecar/metadata normalisation (default ImageNet). */
  readonly normalization?: Normalization;
  /** Threads per session. Default 1. */
  readonly intraOpThreads?: number;
  /** Default `systemClock()`. */
  readonly clock?: Clock;
  /** Pool lifecycle events (crashes, restarts), for the log. */
  readonly onEvent?: (event: PoolEvent) => void;
}

/** Creates an ONNX predictor; `start()` loads and warms the model in every worker. */
export function createOnnxPredictor(options: OnnxPredictorOptions): Predictor {
  return new OnnxPredictor(options);
}

class OnnxPredictor implements Predictor {
  readonly #o: OnnxPredictorOptions;
  readonly #clock: Clock;
  #pool: WorkerPool<PredictorJob, PredictorAnswer> | undefined;
  #version: string | undefined;
  #detail = 'not started';
  #ready = false;

  constructor(options: OnnxPredictorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock();
  }

  async start(): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.#o.modelPath);
    } catch (err) {
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `Model file cannot be read: ${this.#o.modelPath}; check the model path.`,
        {
          cause: err,
        },
      );
    }
    this.#version = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
    const settings = await readModelSettings(this.#o.modelPath, () => readModelMetadata(bytes));
    const workerData: PredictorWorkerData = {
      modelPath: this.#o.modelPath,
      device: this.#o.device ?? 'cpu',
      intraOpThreads: this.#o.intraOpThreads ?? 1,
      inputSize: this.#o.inputSize ?? settings.inputSize ?? 224,
      normalization: this.#o.normalization ?? settings.normalization ?? IMAGENET_NORMALIZATION,
    };
    const pool = createWorkerPool<PredictorJob, PredictorAnswer>({
      file: resolveWorkerFile(import.meta.url, './_worker'),
      size: this.#o.workers ?? 1,
      workerData,
      ...(this.#o.onEvent === undefined ? {} : { onEvent: this.#o.onEvent }),
    });
    await pool.start();
    this.#pool = pool;
    const info = await pool.run({ kind: 'info' });
    if (typeof info === 'object') {
      this.#detail = info.fallbackReason ?? `device ${info.device}`;
    }
    this.#ready = true;
  }

  async predict(image: RgbImage, options: PredictOptions): Promise<Prediction> {
    const pool = this.#pool;
    if (pool === undefined || !this.#ready) {
      throw new RoadworkError(
        'ERR_NOT_READY',
        'Predictor is not ready: start() has not finished; wait for readiness.',
      );
    }
    const remainingMs = options.deadlineMs - this.#clock.nowMs();
    if (remainingMs <= 0) {
      throw new RoadworkError(
        'ERR_DEADLINE_EXCEEDED',
        `Prediction deadline already passed: ${-remainingMs} ms ago; dropped.`,
      );
    }
    // Own copy: the buffer is transferred to the worker, and the caller's image must stay intact.
    const data = image.data.slice().buffer;
    const expiry = new AbortController();
    const timer = setTimeout(
      () =>
        expiry.abort(
          new RoadworkError(
            'ERR_DEADLINE_EXCEEDED',
            `Prediction missed its deadline: ${remainingMs} ms budget; dropped.`,
          ),
        ),
      remainingMs,
    );
    const signal =
      options.signal === undefined ? expiry.signal : AbortSignal.any([options.signal, expiry.signal]);
    try {
      const answer = await pool.run(
        { kind: 'predict', data, width: image.width, height: image.height, deadlineMs: options.deadlineMs },
        { transfer: [data], signal },
      );
      if (typeof answer !== 'number')
        throw new RoadworkError('ERR_MODEL_OUTPUT', 'Predictor worker answered without a probability.');
      return { probability: answer, modelVersion: this.#version! };
    } catch (err) {
      if (isRoadworkError(err)) throw err;
      throw new RoadworkError('ERR_INTERNAL', `Prediction failed: ${String(err)}; see the log.`, {
        cause: err,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  status(): PredictorStatus {
    const workers = this.#pool?.stats().ready ?? 0;
    return {
      ready: this.#ready && workers > 0,
      ...(this.#version === undefined ? {} : { modelVersion: this.#version }),
      workers,
      detail: this.#detail,
    };
  }

  async close(): Promise<void> {
    this.#ready = false;
    this.#detail = 'closed';
    await this.#pool?.drain();
  }
}
