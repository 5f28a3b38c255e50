/** One request on its way through the axon: its id, arrival times, claimed caller and its own logger. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';

/** Longest hotkey text kept for labels and log bindings (an ss58 hotkey is 48 characters). */
const MAX_CALLER_CHARS = 64;

/** Per-request state the steps share. */
export class Exchange {
  /** Unique per request; `reqId` on its log lines and `id` in `onAnswered`. */
  readonly id = randomUUID();
  /** Arrival, `performance.now()` ms. */
  readonly t0: number;
  /** Arrival, ms since epoch (the injected clock). */
  readonly atMs: number;
  /** The `bt_header_dendrite_hotkey` header as sent ('' when absent); proven only once verified. */
  readonly caller: string;
  /** The client's address (behind a trusted proxy, the one it forwarded); '' when unknown. */
  readonly ip: string;
  readonly #root: Logger;
  #log: Logger | undefined;

  constructor(req: IncomingMessage, root: Logger, t0: number, atMs: number, ip = '') {
    const hotkey = req.headers.bt_header_dendrite_hotkey;
    this.caller = typeof hotkey === 'string' ? hotkey : '';
    this.t0 = t0;
    this.atMs = atMs;
    this.ip = ip;
    this.#root = root;
  }

  /**
   * The request's child logger (`reqId`, `caller`, `ip`). Made on first use: most refused requests never
   * log a line of their own, and a flood of them should not pay for one.
   */
  get log(): Logger {
    this.#log ??= this.#root.child({
      reqId: this.id,
      ...(this.caller === '' ? {} : { caller: this.caller.slice(0, MAX_CALLER_CHARS) }),
      ...(this.ip === '' ? {} : { ip: this.ip }),
    });
    return this.#log;
  }
}
