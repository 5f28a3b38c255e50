/**
 * Fair intake before any body byte is read: each caller may have a few requests in the building at
 * once, and all of them together may hold a bounded number of body bytes. Slow bodies then cost their
 * sender its own share, never a prediction slot another validator needs.
 */
import { RoadworkError } from '../../core/errors/index.js';

/** A request's place in the building; call `release` once when it is answered. */
export interface Ticket {
  release(): void;
}

/** Bounds of the intake. */
export interface IntakeOptions {
  /** Requests one caller hotkey may have open at once. */
  readonly maxPerCaller: number;
  /** Body bytes all open requests may hold together. */
  readonly maxBytes: number;
}

/** Per-caller and byte-budget bookkeeping. */
export class Intake {
  readonly #o: IntakeOptions;
  readonly #perCaller = new Map<string, number>();
  #bytes = 0;

  constructor(options: IntakeOptions) {
    this.#o = options;
  }

  /** Body bytes reserved now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Requests open for `caller`. */
  open(caller: string): number {
    return this.#perCaller.get(caller) ?? 0;
  }

  /** Reserves room for a request of up to `bytes` body bytes, or throws ERR_OVERLOADED. */
  enter(caller: string, bytes: number): Ticket {
    const open = this.open(caller);
    if (open >= this.#o.maxPerCaller) {
      throw new RoadworkError(
        'ERR_OVERLOADED',
        `Too many requests open from this caller: ${open} (limits.max_per_caller ${this.#o.maxPerCaller}); wait for answers first`,
      );
    }
    if (this.#bytes + bytes > this.#o.maxBytes) {
      throw new RoadworkError(
        'ERR_OVERLOADED',
        `Too many request bodies in flight: ${this.#bytes + bytes} bytes (limit ${this.#o.maxBytes}); retry shortly`,
      );
    }
    this.#perCaller.set(caller, open + 1);
    this.#bytes += bytes;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#bytes -= bytes;
        const left = (this.#perCaller.get(caller) ?? 1) - 1;
        if (left <= 0) this.#perCaller.delete(caller);
        else this.#perCaller.set(caller, left);
      },
    };
  }
}
