/** The micro-batcher: one FIFO queue, one flush timer, a bounded number of batches in flight. */
import { systemClock, type Clock } from '../../core/clock/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import type { BatcherOptions, BatcherStats, MicroBatcher, SubmitOptions } from './_types.js';

interface Entry<I, O> {
  readonly item: I;
  readonly deadlineMs: number;
  readonly submittedMs: number;
  settled: boolean;
  resolve(value: O): void;
  reject(error: unknown): void;
  cleanup(): void;
}

// Weight of the newest run in the moving average that sets the default reserve before a deadline.
const RUN_AVERAGE_WEIGHT = 0.2;

function checkCount(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Batcher option ${name} is invalid: ${value}; use an integer of at least ${min}.`,
    );
  }
  return value;
}

function checkMs(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Batcher option ${name} is invalid: ${value}; use a finite number of milliseconds, 0 or more.`,
    );
  }
  return value;
}

function abortError(signal: AbortSignal): RoadworkError {
  const reason: unknown = signal.reason;
  return reason instanceof RoadworkError
    ? reason
    : new RoadworkError(
        'ERR_DEADLINE_EXCEEDED',
        'Item was aborted before its batch answered: the caller gave up.',
        {
          cause: reason,
        },
      );
}

/** See `createBatcher`. */
export class Batcher<I, O> implements MicroBatcher<I, O> {
  readonly #run: (items: I[]) => Promise<O[]>;
  readonly #onBatch: ((size: number, waitedMs: number) => void) | undefined;
  readonly #maxBatch: number;
  readonly #maxWaitMs: number;
  readonly #maxInFlight: number;
  readonly #workers: number;
  readonly #reserveMs: number | undefined;
  readonly #clock: Clock;
  readonly #queue: Entry<I, O>[] = [];
  readonly #idle: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #runAverageMs = 0;
  #batches = 0;
  #items = 0;
  #expired = 0;
  #aborted = 0;
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: BatcherOptions<I, O>) {
    this.#run = options.run;
    this.#onBatch = options.onBatch;
    this.#maxBatch = checkCount('maxBatch', options.maxBatch, 1);
    this.#maxWaitMs = checkMs('maxWaitMs', options.maxWaitMs) ?? 0;
    this.#maxInFlight = checkCount('maxInFlight', options.maxInFlight ?? 1, 1);
    this.#workers = Math.min(checkCount('workers', options.workers ?? 1, 1), this.#maxInFlight);
    this.#reserveMs = checkMs('reserveMs', options.reserveMs);
    this.#clock = options.clock ?? systemClock();
  }

  submit(item: I, options: SubmitOptions): Promise<O> {
    if (this.#closed) {
      return Promise.reject(
        new RoadworkError(
          'ERR_BATCHER_CLOSED',
          'Batcher is closed: it takes no new items; create a new one.',
        ),
      );
    }
    const { deadlineMs, signal } = options;
    const now = this.#clock.nowMs();
    if (signal?.aborted === true) {
      this.#aborted++;
      return Promise.reject(abortError(signal));
    }
    if (!(deadlineMs > now)) {
      this.#expired++;
      return Promise.reject(
        new RoadworkError(
          'ERR_STAGE_TIMEOUT',
          `Item reached the batcher after its deadline: ${now - deadlineMs} ms late; give the stage more budget.`,
        ),
      );
    }
    return new Promise<O>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        this.#aborted++;
        this.#giveUp(entry, abortError(signal!));
      };
      const entry: Entry<I, O> = {
        item,
        deadlineMs,
        submittedMs: now,
        settled: false,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      if (Number.isFinite(deadlineMs)) {
        // Unref'd: a pending deadline alone must not keep a process alive; the flush timer and run do.
        timer = setTimeout(() => {
          this.#expired++;
          this.#giveUp(
            entry,
            new RoadworkError(
              'ERR_STAGE_TIMEOUT',
              `Item was not answered before its deadline: waited ${this.#clock.nowMs() - now} ms; ` +
                'raise the stage budget, lower maxWaitMs or add workers.',
            ),
          );
        }, deadlineMs - now).unref();
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(entry);
      this.#schedule();
    });
  }

  stats(): BatcherStats {
    return Object.freeze({
      queued: this.#queue.length,
      inFlight: this.#inFlight,
      batches: this.#batches,
      items: this.#items,
      meanBatchSize: this.#batches === 0 ? 0 : this.#items / this.#batches,
      expired: this.#expired,
      aborted: this.#aborted,
      reserveMs: this.#reserve(),
      closed: this.#closed,
    });
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= new Promise<void>((resolve) => {
      this.#idle.push(resolve);
      this.#schedule();
      this.#checkIdle();
    });
    return this.#closing;
  }

  #reserve(): number {
    return this.#reserveMs ?? this.#runAverageMs;
  }

  // When the oldest waiting item must go: its wait is over, or the earliest deadline is near.
  #readyAt(): number {
    if (this.#closed || this.#queue.length >= this.#maxBatch) return -Infinity;
    let earliest = Infinity;
    for (const e of this.#queue) earliest = Math.min(earliest, e.deadlineMs);
    return Math.min(this.#queue[0]!.submittedMs + this.#maxWaitMs, earliest - this.#reserve());
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    // With every slot busy, items keep gathering; the end of a batch calls back here.
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight) {
      const readyAt = this.#readyAt();
      if (readyAt !== -Infinity) {
        // Only a full (or closing) batch goes at once: a due one still yields one turn of the event
        // loop, so submits of the same tick share a batch even with maxWaitMs 0.
        this.#timer = setTimeout(() => this.#flushDue(), Math.max(0, readyAt - this.#clock.nowMs()));
        return;
      }
      this.#flush();
    }
  }

  #flushDue(): void {
    this.#timer = undefined;
    if (this.#queue.length === 0 || this.#inFlight >= this.#maxInFlight) return;
    this.#flush();
    this.#schedule();
  }

  // Sends what waits, spread evenly over the idle workers. Without the spread a closed loop of callers
  // as large as maxBatch stays one batch for good: it goes out whole, comes back whole and arrives
  // whole again, while the other workers idle.
  #flush(): void {
    let idle = Math.max(1, this.#workers - this.#inFlight);
    while (this.#queue.length > 0 && this.#inFlight < this.#maxInFlight && idle > 0) {
      this.#dispatch(this.#queue.splice(0, Math.min(this.#maxBatch, Math.ceil(this.#queue.length / idle))));
      idle--;
    }
  }

  #dispatch(batch: Entry<I, O>[]): void {
    const started = this.#clock.nowMs();
    this.#inFlight++;
    this.#batches++;
    this.#items += batch.length;
    try {
      this.#onBatch?.(batch.length, started - batch[0]!.submittedMs);
    } catch {
      // A failing observer must not fail the requests it observes.
    }
    const items = batch.map((e) => e.item);
    Promise.resolve()
      .then(() => this.#run(items))
      .then(
        (results) => {
          if (!Array.isArray(results) || results.length !== batch.length) {
            const got = Array.isArray(results) ? results.length : typeof results;
            const error = new RoadworkError(
              'ERR_MODEL_OUTPUT',
              `Batch run answered the wrong number of results: ${got} for ${batch.length} items; ` +
                'run must return one result per item, in order.',
            );
            for (const e of batch) this.#settle(e, error);
            return;
          }
          batch.forEach((e, i) => this.#settle(e, undefined, results[i]));
        },
        (error: unknown) => {
          for (const e of batch) this.#settle(e, error);
        },
      )
      .finally(() => {
        const ms = this.#clock.nowMs() - started;
        this.#runAverageMs =
          this.#batches === 1 ? ms : this.#runAverageMs + RUN_AVERAGE_WEIGHT * (ms - this.#runAverageMs);
        this.#inFlight--;
        this.#schedule();
        this.#checkIdle();
      });
  }

  #settle(entry: Entry<I, O>, error: unknown, value?: O): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.cleanup();
    if (error === undefined) entry.resolve(value as O);
    else entry.reject(error);
  }

  // A queued item leaves the queue; a running one is settled now and its result later ignored.
  #giveUp(entry: Entry<I, O>, error: RoadworkError): void {
    if (entry.settled) return;
    const queued = this.#queue.indexOf(entry);
    if (queued >= 0) this.#queue.splice(queued, 1);
    this.#settle(entry, error);
    if (queued >= 0) {
      this.#schedule();
      this.#checkIdle();
    }
  }

  #checkIdle(): void {
    if (!this.#closed || this.#queue.length > 0 || this.#inFlight > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
