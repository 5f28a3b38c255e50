/** The websocket transport to subtensor: polkadot-js's `WsProvider`, with a reconnect loop that `disconnect()` ends. */
import { WsProvider } from '@polkadot/api';
import { logger } from '@polkadot/util';

/** polkadot-js's own delay between tries. */
export const RECONNECT_MS = 2_500;

// The origin polkadot-js's websocket logs under, so `routeConsole` files these lines with its own.
const log = logger('api-ws');

/**
 * A `WsProvider` that connects and reconnects on a timer of its own. polkadot-js's retry timer survives
 * `disconnect()`: after a refused connection, a CLI with `--timeout 3` lingered until the next try was
 * due (2.5 s more) before it could exit, and so did a miner shutting down. This one clears its timer.
 */
class ReconnectingWsProvider extends WsProvider {
  readonly #retryMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(endpoint: string, retryMs: number) {
    super(endpoint, false);
    this.#retryMs = retryMs;
    // A refused connection ends in 'disconnected' too, not only a dropped one.
    this.on('disconnected', () => this.#retryLater());
    this.#connect();
  }

  override async disconnect(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await super.disconnect();
  }

  #connect(): void {
    this.#timer = undefined;
    if (this.#closed) return;
    this.connect().catch(() => this.#retryLater());
  }

  #retryLater(): void {
    if (this.#closed || this.#timer !== undefined) return;
    log.warn(`disconnected from ${this.endpoint}; trying again in ${this.#retryMs} ms`);
    this.#timer = setTimeout(() => this.#connect(), this.#retryMs);
  }
}

/** The default transport: a websocket that reconnects every `retryMs` until `disconnect()`. */
export function wsProvider(endpoint: string, options: { retryMs?: number } = {}): WsProvider {
  return new ReconnectingWsProvider(endpoint, options.retryMs ?? RECONNECT_MS);
}
