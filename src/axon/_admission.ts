/**
 * Admission by stake: up to `maxInFlight` requests run at once; the rest wait in a bounded queue where
 * the highest stake goes first, and when the queue is full the lowest stake is shed.
 */
import { RoadworkError } from '../errors/index.js';

/** A slot held by a request; call `release` exactly once when done. */
export interface Slot {
  release(): void;
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

  /** Resolves with a slot when one is free; rejects with ERR_OVERLOADED when shed, or on abort. */
  acquire(stake: number, signal?: AbortSignal): Promise<Slot> {
    if (this.#inFlight < this.#maxInFlight && this.#queue.length === 0) {
      this.#inFlight++;
      return Promise.resolve(this.#slot());
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = { stake, seq: this.#seq++, resolve, reject };
      if (this.#queue.length >= this.#maxQueue) {
        const lowest = this.#queue[this.#queue.length - 1];
        if (lowest === undefined || lowest.stake >= stake) {
          reject(overloaded(stake));
          return;
        }
        this.#queue.pop();
        lowest.reject(overloaded(lowest.stake));
      }
      const at = this.#queue.findIndex((w) => w.stake < stake);
      this.#queue.splice(at === -1 ? this.#queue.length : at, 0, waiter);
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
    return {
      release: () => {
        if (released) return;
        released = true;
        const next = this.#queue.shift();
        if (next) next.resolve(this.#slot());
        else this.#inFlight--;
      },
    };
  }
}

function overloaded(stake: number): RoadworkError {
  return new RoadworkError('ERR_OVERLOADED', `Queue is full and this caller has the lowest stake: ${stake}`);
}
