/**
 * Connection caps, checked before a byte is parsed: a total per axon port (`server.maxConnections`)
 * and a share per peer address. Idle keep-alive sockets cost a file descriptor each for 65 s; without
 * caps one client holding tens of thousands of them exhausts the process's descriptors, and every new
 * connection, a validator's included, then gets an empty reply.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Metrics } from '../../core/metrics/index.js';

/** Default `maxConnections`: well under a usual open-file limit (the process has other files too). */
export const DEFAULT_MAX_CONNECTIONS = 2048;
/** Default `maxPerAddress`: a validator keeps a handful open; distinct validators have distinct addresses. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;

/** Options of `capConnections`. */
export interface ConnectionCaps {
  /** Connections open at once on the server. */
  readonly max: number;
  /** Connections one peer address may hold; 0 = no cap. */
  readonly maxPerAddress: number;
  /** Peers exempt from `maxPerAddress`: trusted reverse proxies, whose one address carries every client. */
  readonly exempt: (peer: string | undefined) => boolean;
  /** A refusal episode ends after this long without refusals; default 10 s. */
  readonly quietMs?: number;
}

/** What `capConnections` reports to. */
export interface ConnectionCapsDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly hotkey: string;
}

/** Why a connection was refused, as the metric labels it. */
type Reason = 'total' | 'per_address';

/** Applies the caps to `server`; returns the open connections per address (for tests and probes). */
export function capConnections(
  server: Server,
  caps: ConnectionCaps,
  deps: ConnectionCapsDeps,
): ReadonlyMap<string, number> {
  const open = new Map<string, number>();
  const episodes = {
    total: new Episode(deps, 'total', caps.max, caps.quietMs),
    per_address: new Episode(deps, 'per_address', caps.maxPerAddress, caps.quietMs),
  };
  // Node closes connections past maxConnections itself, before 'connection', and tells only 'drop'.
  server.maxConnections = caps.max;
  server.on('drop', (data) => episodes.total.note(data?.remoteAddress));
  if (caps.maxPerAddress > 0) {
    server.on('connection', (socket: Socket) => {
      const peer = socket.remoteAddress;
      if (peer === undefined || caps.exempt(peer)) return;
      const n = open.get(peer) ?? 0;
      if (n >= caps.maxPerAddress) {
        // Destroyed before any byte is read; the HTTP parser attached to it is freed on 'close'.
        socket.destroy();
        episodes.per_address.note(peer);
        return;
      }
      open.set(peer, n + 1);
      socket.once('close', () => {
        const left = (open.get(peer) ?? 1) - 1;
        if (left <= 0) open.delete(peer);
        else open.set(peer, left);
      });
    });
  }
  server.once('close', () => {
    episodes.total.end();
    episodes.per_address.end();
  });
  return open;
}

/**
 * Refusals of one reason, logged once per episode rather than per socket (a flood of sockets must not
 * flood the log): a warning at the first, a summary once `quietMs` passes without another.
 */
class Episode {
  readonly #deps: ConnectionCapsDeps;
  readonly #reason: Reason;
  readonly #limit: number;
  readonly #quietMs: number;
  #count = 0;
  #recent = false;
  readonly #peers = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: ConnectionCapsDeps, reason: Reason, limit: number, quietMs = 10_000) {
    this.#deps = deps;
    this.#reason = reason;
    this.#limit = limit;
    this.#quietMs = quietMs;
  }

  note(peer: string | undefined): void {
    const { metrics, logger, hotkey } = this.#deps;
    metrics.connectionsRefused.inc({ hotkey, reason: this.#reason });
    this.#count++;
    this.#recent = true;
    if (peer !== undefined && this.#peers.size < 20) this.#peers.add(peer);
    if (this.#timer !== undefined) return;
    logger.warn(
      { reason: this.#reason, limit: this.#limit, peer },
      this.#reason === 'total'
        ? `Refusing connections: ${this.#limit} open on this port (limits.max_connections)`
        : `Refusing connections from ${peer}: ${this.#limit} open from it (limits.max_connections_per_address)`,
    );
    this.#timer = setInterval(() => {
      if (this.#recent) this.#recent = false;
      else this.end();
    }, this.#quietMs).unref();
  }

  /** Closes the episode, summarising it. */
  end(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#deps.logger.info(
      { reason: this.#reason, count: this.#count, peers: [...this.#peers] },
      `Stopped refusing connections (${this.#reason}): ${this.#count} refused`,
    );
    this.#count = 0;
    this.#peers.clear();
  }
}
