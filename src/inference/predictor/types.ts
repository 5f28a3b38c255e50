/** The prediction core's contract: plain data in, plain data out, no transport. */
import type { ImagePolicy, RgbImage } from '../image/index.js';

/** Per-request options the caller passes down. */
export interface PredictOptions {
  /** Absolute deadline, ms since epoch; work that cannot finish by then is skipped or aborted. */
  readonly deadlineMs: number;
  /** Aborted when the caller goes away or the deadline passes. */
  readonly signal?: AbortSignal;
}

/** What a predictor answers. */
export interface Prediction {
  /** p(roadwork) in [0, 1]. */
  readonly probability: number;
  /** The model version that produced it (for caches, logs and the query store). */
  readonly modelVersion: string;
  /** Optional per-stage details (the cascade fills these). */
  readonly stages?: readonly StageResult[];
}

/** One stage's contribution to a prediction. */
export interface StageResult {
  readonly stage: string;
  readonly probability?: number;
  readonly skipped?: string;
  readonly ms: number;
}

/** Anything that turns an image into p(roadwork). Implementations run models off the event loop. */
export interface Predictor {
  /**
   * How images must be prepared before `predict` (decode with `decodeImage(bytes, { policy })`): the
   * policy the models were trained with. Absent: the default policy.
   */
  readonly input?: ImagePolicy;
  /** Loads and warms up models; resolves when `predict` is ready to serve. */
  start(): Promise<void>;
  predict(image: RgbImage, options: PredictOptions): Promise<Prediction>;
  /** Readiness details for `/health/ready`. */
  status(): PredictorStatus;
  /** Finishes in-flight work, then releases models and workers. */
  close(): Promise<void>;
}

/** What `/health/ready` reports about the predictor. */
export interface PredictorStatus {
  readonly ready: boolean;
  readonly modelVersion?: string;
  readonly workers?: number;
  readonly detail?: string;
}
