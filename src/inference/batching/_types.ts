/** Types of the micro-batcher, kept apart so the implementation and the entry share them. */
import type { Clock } from '../../core/clock/index.js';

/** Options of `createBatcher`. */
export interface BatcherOptions<I, O> {
  /** Most items in one batch; a batch flushes as soon as it is full (at least 1). */
  readonly maxBatch: number;
  /** Longest an item waits for company after it opened a batch (0: flush on the next tick). */
  readonly maxWaitMs: number;
  /** Runs one batch; must answer one result per item, in order. */
  readonly run: (items: I[]) => Promise<O[]>;
  /** Called as each batch starts, with its size and how long its oldest item waited. */
  readonly onBatch?: (size: number, waitedMs: number) => void;
  /**
   * Batches handed to `run` and not yet answered; later ones queue here (default 1). Usually the number
   * of workers, or one more so that a next batch already waits at a worker when one finishes.
   */
  readonly maxInFlight?: number;
  /**
   * Workers that run batches side by side (default 1). A flush that finds several of them idle spreads
   * the due items evenly over them, one batch each, so a burst does not go out as one batch while
   * another worker waits; with every worker busy, the due items form one batch that queues for them.
   */
  readonly workers?: number;
  /**
   * Time kept free before the earliest deadline of a waiting batch for the run itself: the batch
   * flushes at `deadline - reserveMs` at the latest. Default: a moving average of observed run times.
   */
  readonly reserveMs?: number;
  /** Source of the time that deadlines are measured against (default the system clock). */
  readonly clock?: Clock;
}

/** Per-item options of `submit`. */
export interface SubmitOptions {
  /** Absolute deadline, ms since epoch: the item is never held past it. */
  readonly deadlineMs: number;
  /** Aborting removes the item from its batch, or discards its result if the batch already runs. */
  readonly signal?: AbortSignal;
}

/** Counters of a batcher, for logs and `/health`. */
export interface BatcherStats {
  /** Items waiting for a batch to start. */
  readonly queued: number;
  /** Batches running now. */
  readonly inFlight: number;
  /** Batches started since creation. */
  readonly batches: number;
  /** Items sent to `run` since creation. */
  readonly items: number;
  /** Mean items per batch (0 before the first batch). */
  readonly meanBatchSize: number;
  /** Items rejected because their deadline passed before their batch answered. */
  readonly expired: number;
  /** Items whose caller aborted. */
  readonly aborted: number;
  /** The `reserveMs` in use now. */
  readonly reserveMs: number;
  readonly closed: boolean;
}

/** A running micro-batcher. */
export interface MicroBatcher<I, O> {
  /** Queues one item; resolves with its own result from the batch it ran in. */
  submit(item: I, options: SubmitOptions): Promise<O>;
  stats(): BatcherStats;
  /** Flushes what is queued, waits for running batches, then rejects new submits (ERR_BATCHER_CLOSED). */
  close(): Promise<void>;
}
