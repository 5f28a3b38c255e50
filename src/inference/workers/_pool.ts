// A worker-thread pool that owns its workers' lifecycle: ready, dispatch, timeouts, crashes, drain.
import type { TransferListItem, Worker } from 'node:worker_threads';
import type { PoolStats, RunOptions, WorkerPool, WorkerPoolOptions } from './_types.js';
import { RoadworkError, toRoadworkError } from '../../core/errors/index.js';
import { systemClock } from '../../core/clock/index.js';
import { fromWireError, type FromWorker, type ToWorker } from './_messages.js';
import { spawnWorker } from './_spawn.js';

interface Job {
  readonly id: number;
  readonly job: unknown;
  readonly transfer: readonly TransferListItem[];
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  settled: boolean;
  cleanup: () => void;
  /** `performance.now()` when it was posted to a worker. */
  postedAt: number;
  /** `performance.now()` when its caller stops waiting (its timeout); the worker gets what is left. */
  expiresAt: number;
}

interface Slot {
  readonly index: number;
  worker?: Worker;
  ready: boolean;
  /** The worker runs its jobs one at a time in posting order: the oldest in flight is the running one. */
  sequential: boolean;
  /** Jobs posted and not yet answered, oldest first. */
  readonly inFlight: Map<number, Job>;
  restartsAt: number[];
  failures: number;
  timer?: NodeJS.Timeout;
  /** Terminated for good (the pool closed). */
  gaveUp: boolean;
  /** Crashed too often: waiting out a long back-off before the next try, until this time (ms). */
  coolingUntil: number;
  exitError?: Error;
}

/** Creates a worker pool; call `start()` before relying on it and `drain()` to release it. */
export function createWorkerPool<TJob, TResult>(options: WorkerPoolOptions): WorkerPool<TJob, TResult> {
  return new Pool<TJob, TResult>(options);
}

class Pool<TJob, TResult> implements WorkerPool<TJob, TResult> {
  readonly #o: Required<Omit<WorkerPoolOptions, 'workerData' | 'onEvent' | 'health' | 'name'>> &
    WorkerPoolOptions;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #idleWaiters: (() => void)[] = [];
  #nextId = 1;
  #restarts = 0;
  #closed = false;
  #started = false;
  #unwatch: (() => void) | undefined;

  constructor(options: WorkerPoolOptions) {
    this.#o = {
      size: 1,
      concurrency: 1,
      readyTimeoutMs: 60_000,
      jobTimeoutMs: 0,
      stuckGraceMs: 2000,
      maxRestarts: 5,
      restartWindowMs: 60_000,
      restartBackoffMs: 100,
      coolDownMs: 30_000,
      clock: systemClock(),
      ...options,
    };
    if (!Number.isInteger(this.#o.size) || this.#o.size < 1) {
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Worker pool size is invalid: ${this.#o.size}; use 1 or more.`,
      );
    }
  }

  async start(): Promise<void> {
    if (this.#started)
      throw new RoadworkError('ERR_INTERNAL', 'Worker pool already started: call start() once.');
    this.#started = true;
    for (let index = 0; index < this.#o.size; index++) {
      this.#slots.push({
        index,
        ready: false,
        sequential: false,
        inFlight: new Map(),
        restartsAt: [],
        failures: 0,
        gaveUp: false,
        coolingUntil: 0,
      });
    }
    this.#unwatch = this.#o.health?.watch(this.#o.name ?? this.#o.file.pathname, () => this.stats());
    try {
      await Promise.all(this.#slots.map((slot) => this.#spawn(slot)));
    } catch (err) {
      await this.#terminateAll();
      throw err;
    }
  }

  run(job: TJob, options: RunOptions = {}): Promise<TResult> {
    if (this.#closed) {
      return Promise.reject(
        new RoadworkError(
          'ERR_WORKER_POOL_CLOSED',
          'Worker pool is closed: no new jobs are accepted; retry on a new pool.',
        ),
      );
    }
    // Every worker is waiting out a crash back-off: refuse now rather than let callers queue to their deadline.
    if (this.#started && this.#noneCanServe(this.#o.clock.nowMs()))
      return Promise.reject(this.#deadPoolError());
    return new Promise<TResult>((resolve, reject) => {
      const entry: Job = {
        id: this.#nextId++,
        job,
        transfer: options.transfer ?? [],
        resolve: resolve as (value: unknown) => void,
        reject,
        settled: false,
        cleanup: () => undefined,
        postedAt: 0,
        expiresAt: Number.POSITIVE_INFINITY,
      };
      this.#arm(entry, options);
      if (!entry.settled) {
        this.#queue.push(entry);
        this.#dispatch();
      }
    });
  }

  async drain(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed = true;
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<void>((resolve) => {
      if (this.#isIdle()) resolve();
      else this.#idleWaiters.push(resolve);
    });
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([idle, expired]);
    clearTimeout(timer);
    const closedError = new RoadworkError(
      'ERR_WORKER_POOL_CLOSED',
      `Worker pool closed before the job ran: drain gave up after ${timeoutMs} ms; retry elsewhere.`,
    );
    for (const job of this.#queue.splice(0)) this.#settle(job, closedError);
    await this.#terminateAll(closedError);
  }

  stats(): PoolStats {
    let busy = 0;
    for (const slot of this.#slots) busy += slot.inFlight.size > 0 ? 1 : 0;
    return {
      size: this.#o.size,
      started: this.#started,
      ready: this.#slots.filter((slot) => slot.ready).length,
      busy,
      queued: this.#queue.length,
      restarts: this.#restarts,
      closed: this.#closed,
    };
  }

  #spawn(slot: Slot): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const worker = spawnWorker(this.#o.file, { workerData: this.#o.workerData });
      slot.worker = worker;
      slot.ready = false;
      slot.exitError = undefined;
      let pending = true;
      const readyTimer = setTimeout(() => {
        slot.exitError = new RoadworkError(
          'ERR_WORKER_CRASHED',
          `Worker did not become ready: no ready message within ${this.#o.readyTimeoutMs} ms; check the worker's setup.`,
        );
        void worker.terminate();
      }, this.#o.readyTimeoutMs);
      const settleStart = (err?: Error): void => {
        if (!pending) return;
        pending = false;
        clearTimeout(readyTimer);
        if (err === undefined) resolve();
        else reject(err);
      };
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          slot.ready = true;
          slot.coolingUntil = 0;
          slot.sequential = message.sequential === true;
          slot.failures = 0;
          this.#updateRef(slot);
          settleStart();
          this.#dispatch();
        } else if (message.type === 'init-error') {
          slot.exitError = fromWireError(message.error);
          settleStart(slot.exitError);
        } else {
          this.#onResult(slot, message);
        }
      });
      worker.on('error', (err) => {
        slot.exitError ??= err;
      });
      worker.on('exit', (code) => {
        const error =
          slot.exitError ??
          new RoadworkError(
            'ERR_WORKER_CRASHED',
            `Worker thread exited unexpectedly: exit code ${code}; see the log.`,
          );
        settleStart(error);
        if (slot.worker === worker) this.#onExit(slot, error);
      });
    });
  }

  #onResult(slot: Slot, message: Extract<FromWorker, { id: number }>): void {
    const job = slot.inFlight.get(message.id);
    if (job === undefined) return;
    slot.inFlight.delete(message.id);
    if (message.type === 'result') this.#settle(job, undefined, message.value);
    else this.#settle(job, fromWireError(message.error));
    this.#afterSettle(slot);
  }

  #onExit(slot: Slot, cause: Error): void {
    slot.worker = undefined;
    slot.ready = false;
    const jobs = [...slot.inFlight.values()];
    slot.inFlight.clear();
    for (const job of jobs) {
      this.#settle(
        job,
        new RoadworkError(
          'ERR_WORKER_CRASHED',
          `Worker thread died while running the job: ${cause.message}; the job may be retried.`,
          { cause },
        ),
      );
    }
    this.#checkIdle();
    if (!slot.gaveUp) this.#scheduleRestart(slot, cause, jobs.length);
  }

  // Never gives up for good: a slot that crashes `maxRestarts` times within the window waits out a
  // long back-off (`coolDownMs`) and tries again, so a burst of bad luck cannot leave the miner dead.
  #scheduleRestart(slot: Slot, error: Error, failedJobs: number): void {
    this.#o.onEvent?.({ type: 'crash', slot: slot.index, error, failedJobs });
    const now = this.#o.clock.nowMs();
    slot.restartsAt = slot.restartsAt.filter((t) => now - t < this.#o.restartWindowMs);
    let delayMs: number;
    if (slot.restartsAt.length >= this.#o.maxRestarts) {
      delayMs = this.#o.coolDownMs;
      slot.coolingUntil = now + delayMs;
      slot.restartsAt = [];
      this.#o.onEvent?.({ type: 'cool-down', slot: slot.index, restarts: this.#o.maxRestarts, delayMs });
      if (this.#noneCanServe(now)) {
        for (const job of this.#queue.splice(0)) this.#settle(job, this.#deadPoolError());
        this.#checkIdle();
      }
    } else {
      delayMs = Math.min(5000, this.#o.restartBackoffMs * 2 ** slot.failures);
      this.#o.onEvent?.({ type: 'restart', slot: slot.index, delayMs });
    }
    slot.restartsAt.push(now);
    slot.failures += 1;
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (slot.gaveUp || (this.#closed && this.#isIdle())) return;
      this.#restarts += 1;
      // A failed replacement reports through 'exit' and schedules the next attempt itself.
      this.#spawn(slot).catch(() => undefined);
    }, delayMs);
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let best: Slot | undefined;
      for (const slot of this.#slots) {
        if (!slot.ready || slot.inFlight.size >= this.#o.concurrency) continue;
        if (best === undefined || slot.inFlight.size < best.inFlight.size) best = slot;
        // Equally busy: the worker that took its oldest job first is likely to be free first.
        else if (slot.inFlight.size === best.inFlight.size && oldestPost(slot) < oldestPost(best))
          best = slot;
      }
      if (best === undefined) return;
      const job = this.#queue.shift()!;
      job.postedAt = performance.now();
      best.inFlight.set(job.id, job);
      this.#updateRef(best);
      try {
        const budgetMs = Math.max(0, job.expiresAt - job.postedAt);
        const message: ToWorker = { type: 'job', id: job.id, job: job.job, budgetMs };
        best.worker!.postMessage(message, [...job.transfer]);
      } catch (err) {
        best.inFlight.delete(job.id);
        // A job that cannot be posted (a value that does not clone) is the caller's bug, not the worker's.
        this.#settle(job, toRoadworkError(err));
        this.#afterSettle(best);
      }
    }
  }

  // Timeout and abort settle the caller at once; the worker keeps the slot until it answers or is replaced.
  #arm(job: Job, options: RunOptions): void {
    const timeoutMs = options.timeoutMs ?? this.#o.jobTimeoutMs;
    // No timeout (0): the worker gets an unbounded budget.
    if (timeoutMs > 0) job.expiresAt = performance.now() + timeoutMs;
    const signal = options.signal;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      const reason: unknown = signal?.reason;
      this.#giveUpOn(
        job,
        reason instanceof RoadworkError
          ? reason
          : new RoadworkError(
              'ERR_DEADLINE_EXCEEDED',
              'Job was aborted before it finished: the caller gave up.',
              {
                cause: reason,
              },
            ),
      );
    };
    if (timeoutMs > 0) {
      timer = setTimeout(() => {
        this.#giveUpOn(
          job,
          new RoadworkError(
            'ERR_STAGE_TIMEOUT',
            `Job did not finish in time: over ${timeoutMs} ms; raise the timeout or add workers.`,
          ),
        );
      }, timeoutMs);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    job.cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted === true) onAbort();
  }

  #giveUpOn(job: Job, error: Error): void {
    if (job.settled) return;
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    this.#settle(job, error);
    if (queued >= 0) {
      this.#checkIdle();
      return;
    }
    const slot = this.#slots.find((s) => s.inFlight.get(job.id) === job);
    if (slot === undefined) return;
    const worker = slot.worker;
    const watch = (): void => {
      const stuck = setTimeout(() => {
        if (slot.worker !== worker || slot.inFlight.get(job.id) !== job) return;
        // On a sequential worker a job behind another has not started yet: only the running one can be wedged.
        if (slot.sequential && slot.inFlight.keys().next().value !== job.id) return watch();
        // Still holding the same job on the same worker: it is wedged (e.g. an endless loop); replace it.
        slot.exitError = new RoadworkError(
          'ERR_WORKER_CRASHED',
          `Worker stopped answering: a job ran ${this.#o.stuckGraceMs} ms past its timeout; it was replaced.`,
        );
        void worker?.terminate();
      }, this.#o.stuckGraceMs);
      stuck.unref();
    };
    watch();
  }

  #settle(job: Job, error: Error | undefined, value?: unknown): void {
    if (job.settled) return;
    job.settled = true;
    job.cleanup();
    if (error === undefined) job.resolve(value);
    else job.reject(error);
  }

  #afterSettle(slot: Slot): void {
    this.#updateRef(slot);
    this.#dispatch();
    this.#checkIdle();
  }

  // Idle workers are unref'd so a forgotten pool never holds the process open; busy ones are ref'd so
  // a pending job does.
  #updateRef(slot: Slot): void {
    if (slot.inFlight.size > 0) slot.worker?.ref();
    else slot.worker?.unref();
  }

  #isIdle(): boolean {
    return this.#queue.length === 0 && this.#slots.every((slot) => slot.inFlight.size === 0);
  }

  #checkIdle(): void {
    if (!this.#isIdle()) return;
    for (const waiter of this.#idleWaiters.splice(0)) waiter();
  }

  // No slot is ready, and none will be soon: each is closed or cooling down after repeated crashes.
  #noneCanServe(now: number): boolean {
    return this.#slots.every((s) => !s.ready && (s.gaveUp || s.coolingUntil > now));
  }

  #deadPoolError(): RoadworkError {
    const next = Math.min(...this.#slots.map((s) => s.coolingUntil)) - this.#o.clock.nowMs();
    return new RoadworkError(
      'ERR_WORKER_CRASHED',
      `No worker can serve now: each crashed ${this.#o.maxRestarts} times within ${this.#o.restartWindowMs} ms; the next restart is in ${Math.max(0, Math.round(next))} ms (see the log for why).`,
    );
  }

  async #terminateAll(error?: Error): Promise<void> {
    this.#closed = true;
    this.#unwatch?.();
    const exits: Promise<number>[] = [];
    for (const slot of this.#slots) {
      clearTimeout(slot.timer);
      slot.gaveUp = true;
      const worker = slot.worker;
      if (worker === undefined) continue;
      slot.worker = undefined;
      slot.ready = false;
      for (const job of slot.inFlight.values()) {
        this.#settle(
          job,
          error ?? new RoadworkError('ERR_WORKER_POOL_CLOSED', 'Worker pool closed: the job was cancelled.'),
        );
      }
      slot.inFlight.clear();
      exits.push(worker.terminate());
    }
    await Promise.all(exits);
    this.#checkIdle();
  }
}

function oldestPost(slot: Slot): number {
  return slot.inFlight.values().next().value?.postedAt ?? -Infinity;
}
