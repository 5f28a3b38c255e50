// Public types of the worker pool: options, per-job options, events and counters.
import type { TransferListItem } from 'node:worker_threads';
import type { Clock } from '../../core/clock/index.js';
import type { PoolHealth } from './_health.js';

/** Options for `createWorkerPool`. */
export interface WorkerPoolOptions {
  /** The worker entry module (see `resolveWorkerFile`); it must call `serveJobs`. */
  readonly file: URL;
  /** Number of worker threads. Default 1. */
  readonly size?: number;
  /** Passed to every worker's `setup`. Must be structured-cloneable. */
  readonly workerData?: unknown;
  /**
   * Jobs in flight per worker; 1 keeps the queue (and deadline checks) on the main thread. With a worker
   * served `sequential`, 2 keeps its next job waiting inside it, so it never idles while the main thread
   * is busy. Default 1.
   */
  readonly concurrency?: number;
  /** How long a worker may take to become ready. Default 60 000 ms. */
  readonly readyTimeoutMs?: number;
  /** Default per-job timeout, counted from `run()`; 0 for none. Default 0. */
  readonly jobTimeoutMs?: number;
  /** After a job timed out or was aborted, how long its worker may stay silent before it is replaced. Default 2000 ms. */
  readonly stuckGraceMs?: number;
  /** Replacements allowed per `restartWindowMs` before a slot cools down for `coolDownMs`. Default 5. */
  readonly maxRestarts?: number;
  /** Default 60 000 ms. */
  readonly restartWindowMs?: number;
  /** First replacement delay, doubled per consecutive failure, capped at 5 s. Default 100 ms. */
  readonly restartBackoffMs?: number;
  /** The long back-off after `maxRestarts` crashes within the window; then it tries again. Default 30 000 ms. */
  readonly coolDownMs?: number;
  /** Hears crashes (with their cause), restarts and cool-downs, for the log (see `logPoolEvents`). */
  readonly onEvent?: (event: PoolEvent) => void;
  /** Readiness: the pool registers here while it runs, so a pool with no live worker shows as down. */
  readonly health?: PoolHealth;
  /** Names the pool in health reports and logs. Default the worker file. */
  readonly name?: string;
  /** Time for restart windows and cool-downs (a runtime passes its own). Default the system clock. */
  readonly clock?: Clock;
}

/** Lifecycle events a pool reports. */
export type PoolEvent =
  | { readonly type: 'crash'; readonly slot: number; readonly error: Error; readonly failedJobs: number }
  | { readonly type: 'restart'; readonly slot: number; readonly delayMs: number }
  | {
      readonly type: 'cool-down';
      readonly slot: number;
      readonly restarts: number;
      readonly delayMs: number;
    };

/** Per-job options. */
export interface RunOptions {
  /** ArrayBuffers moved (not copied) to the worker; the caller must not touch them afterwards. */
  readonly transfer?: readonly TransferListItem[];
  /** Overrides the pool's `jobTimeoutMs`. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Counters for health checks and metrics. */
export interface PoolStats {
  readonly size: number;
  readonly started: boolean;
  readonly ready: number;
  readonly busy: number;
  readonly queued: number;
  readonly restarts: number;
  readonly closed: boolean;
}

/** A pool of worker threads running one entry module. */
export interface WorkerPool<TJob, TResult> {
  /**
   * Starts the workers; resolves when all are ready, rejects with the first setup error (having
   * stopped every worker and closed the pool: there is nothing to drain).
   */
  start(): Promise<void>;
  /** Runs a job on the least busy ready worker, queueing while all are busy. */
  run(job: TJob, options?: RunOptions): Promise<TResult>;
  /** Stops taking jobs, finishes queued and in-flight ones, then terminates the workers. */
  drain(options?: { timeoutMs?: number }): Promise<void>;
  stats(): PoolStats;
}
