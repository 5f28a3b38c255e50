/**
 * Admission by stake: up to `maxInFlight` requests run at once; the rest wait in a bounded queue where
 * the highest stake goes first. A request that the measured service time says cannot be answered
 * before its deadline is refused at once instead of queued (a fast 503 beats a 408 after 8 s), and
 * when the queue is full the lowest stake is shed.
 */
import { RoadworkError } from '../../core/errors/index.js';

/** A slot held by a request; call `release` exactly once when done. */
export interface Slot {
  /**
   * Frees the slot. `answered` (default true) says whether the request produced an answer: only
   * those measure the service time, since a request that fails fast inside its slot (a bad image, a
   * stage skipped for want of time) says nothing about how long an answer takes, and counting it
   * would make the queue admit more than can be answered.
   */
  release(answered?: boolean): void;
}

/** Per-request options of `acquire`. */
export interface AcquireOptions {
  readonly signal?: AbortSignal;
  /** Time left until the answer is due, ms; without it the request may wait as long as its signal allows. */
  readonly remainingMs?: number;
}

interface Waiter {
  readonly stake: number;
  readonly seq: number;
  readonly resolve: (slot: Slot) => void;
  readonly reject: (err: RoadworkError) => void;
}

/** Bounded priority admission. */
export class Admission {
  readonly #maxInFlight: number;
  readonly #maxQueue: number;
  #inFlight = 0;
  #seq = 0;
  // Sorted: highest stake first, then arrival order. Queues are short (hundreds), so a sorted insert is cheap.
  readonly #queue: Waiter[] = [];
  // Moving average of how long a slot is held, ms; undefined until the first release.
  #serviceMs: number | undefined;
  #served = 0;

  constructor(options: { maxInFlight: number; maxQueue: number }) {
    this.#maxInFlight = options.maxInFlight;
    this.#maxQueue = options.maxQueue;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** The measured time a slot is held, ms (undefined before the first release). */
  get serviceMs(): number | undefined {
    return this.#serviceMs;
  }

  /**
   * Expected ms until a request queued at `position` (0 = next) is answered: the slots free up at
   * `maxInFlight / serviceMs` per ms when all are busy, then it needs one service time itself.
   */
  expectedMs(position: number): number {
    const s = this.#serviceMs ?? 0;
    return ((position + 1) * s) / this.#maxInFlight + s;
  }

  /** Resolves with a slot when one is free; rejects with ERR_OVERLOADED when shed or hopeless, or on abort. */
  acquire(stake: number, options: AcquireOptions = {}): Promise<Slot> {
    if (this.#inFlight < this.#maxInFlight && this.#queue.length === 0) {
      this.#inFlight++;
      return Promise.resolve(this.#slot());
    }
    const { signal, remainingMs } = options;
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = { stake, seq: this.#seq++, resolve, reject };
      let at = this.#queue.findIndex((w) => w.stake < stake);
      if (at === -1) at = this.#queue.length;
      const expectedMs = this.expectedMs(at);
      if (remainingMs !== undefined && expectedMs > remainingMs) {
        reject(hopeless(at, expectedMs, remainingMs));
        return;
      }
      if (this.#queue.length >= this.#maxQueue) {
        const lowest = this.#queue[this.#queue.length - 1];
        if (lowest === undefined || lowest.stake >= stake) {
          reject(overloaded(stake));
          return;
        }
        this.#queue.pop();
        lowest.reject(overloaded(lowest.stake));
        at = Math.min(at, this.#queue.length);
      }
      this.#queue.splice(at, 0, waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.#queue.indexOf(waiter);
          if (i === -1) return;
          this.#queue.splice(i, 1);
          reject(new RoadworkError('ERR_DEADLINE_EXCEEDED', 'Request waited past its deadline in the queue'));
        },
        { once: true },
      );
    });
  }

  #slot(): Slot {
    let released = false;
    const t0 = performance.now();
    return {
      release: (answered = true) => {
        if (released) return;
        released = true;
        if (answered) this.#observe(performance.now() - t0);
        const next = this.#queue.shift();
        if (next) next.resolve(this.#slot());
        else this.#inFlight--;
      },
    };
  }

  #observe(ms: number): void {
    // The first answers replace the guess quickly; later ones only nudge it.
    const alpha = this.#served < 10 ? 0.3 : 0.05;
    this.#served++;
    this.#serviceMs = this.#serviceMs === undefined ? ms : this.#serviceMs + alpha * (ms - this.#serviceMs);
  }
}

function overloaded(stake: number): RoadworkError {
  return new RoadworkError('ERR_OVERLOADED', `Queue is full and this caller has the lowest stake: ${stake}`);
}

function hopeless(position: number, expectedMs: number, remainingMs: number): RoadworkError {
  return new RoadworkError(
    'ERR_OVERLOADED',
    `Too busy to answer before the deadline: queue position ${position}, about ${Math.round(expectedMs)} ms needed, ${Math.round(remainingMs)} ms left; retry another miner`,
  );
}
