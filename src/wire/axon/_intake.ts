/**
 * Fair intake before any body byte is read: each caller may have a few requests in the building at
 * once holding a bounded share of body bytes, and all of them together a bounded number of body bytes.
 * Slow bodies then cost their sender its own share, never a prediction slot or the byte budget another
 * validator needs.
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
  /**
   * Body bytes one caller's open requests may hold together; default `maxBytes` (no share). Without
   * a share, a few callers declaring large bodies and sending them slowly fill `maxBytes` before the
   * stake order is ever consulted, and every other validator is refused until their bodies time out.
   */
  readonly maxBytesPerCaller?: number;
  /**
   * Share of `maxBytes` that only senior callers (the validators holding most of the stake, see
   * `_seniority.ts`) may use; default 0. Each caller's own share bounds one low-stake validator, this
   * bounds all of them together: four or five colluding ones could otherwise fill `maxBytes`.
   */
  readonly reservedShare?: number;
}

interface Held {
  open: number;
  bytes: number;
}

/** Per-caller and byte-budget bookkeeping. */
export class Intake {
  readonly #o: IntakeOptions;
  readonly #perCallerBytes: number;
  /** The part of `maxBytes` outside the reserve: all that callers who are not senior may hold. */
  readonly #juniorRoom: number;
  readonly #perCaller = new Map<string, Held>();
  #bytes = 0;
  /** Body bytes reserved by callers that are not senior. */
  #juniorBytes = 0;

  constructor(options: IntakeOptions) {
    this.#o = options;
    this.#perCallerBytes = options.maxBytesPerCaller ?? options.maxBytes;
    this.#juniorRoom = Math.floor(options.maxBytes * (1 - (options.reservedShare ?? 0)));
  }

  /** Body bytes reserved now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Requests open for `caller`. */
  open(caller: string): number {
    return this.#perCaller.get(caller)?.open ?? 0;
  }

  /** Body bytes reserved now for `caller`. */
  bytesOf(caller: string): number {
    return this.#perCaller.get(caller)?.bytes ?? 0;
  }

  /**
   * Reserves room for a request of up to `bytes` body bytes, or throws ERR_OVERLOADED. A caller that
   * is not `senior` may only use the part of the budget outside the reserve.
   */
  enter(caller: string, bytes: number, senior = true): Ticket {
    const held = this.#perCaller.get(caller) ?? { open: 0, bytes: 0 };
    if (held.open >= this.#o.maxPerCaller) {
      throw new RoadworkError(
        'ERR_OVERLOADED',
        `Too many requests open from this caller: ${held.open} (limits.max_per_caller ${this.#o.maxPerCaller}); wait for answers first`,
      );
    }
    // Checked before the shared budget, so a caller over its share is told so even when the budget is full.
    if (held.bytes + bytes > this.#perCallerBytes) {
      throw new RoadworkError(
        'ERR_OVERLOADED',
        `Too many request body bytes in flight from this caller: ${held.bytes + bytes} bytes (limits.max_body_bytes_per_caller ${this.#perCallerBytes}); wait for answers first`,
      );
    }
    if (this.#bytes + bytes > this.#o.maxBytes) {
      throw new RoadworkError(
        'ERR_OVERLOADED',
        `Too many request bodies in flight: ${this.#bytes + bytes} bytes (limit ${this.#o.maxBytes}); retry shortly`,
      );
    }
    if (!senior && this.#juniorBytes + bytes > this.#juniorRoom) {
      throw new RoadworkError(
        'ERR_OVERLOADED',
        `Too many request bodies in flight from validators outside the top of the stake: ${this.#juniorBytes + bytes} bytes (limit ${this.#juniorRoom}: the rest of limits.max_body_bytes_in_flight is kept for the validators holding most stake by limits.body_bytes_reserved_share); retry shortly`,
      );
    }
    held.open++;
    held.bytes += bytes;
    this.#perCaller.set(caller, held);
    this.#bytes += bytes;
    if (!senior) this.#juniorBytes += bytes;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.#bytes -= bytes;
        if (!senior) this.#juniorBytes -= bytes;
        held.open--;
        held.bytes -= bytes;
        if (held.open <= 0) this.#perCaller.delete(caller);
      },
    };
  }
}
