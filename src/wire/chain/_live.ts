/** The metagraph read from subtensor, refreshed on a timer, cached on disk for restarts without the chain. */
import { existsSync } from 'node:fs';
import type { ApiPromise } from '@polkadot/api';
import { systemClock, withTimeout, type Clock } from '../../core/clock/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { silentLogger, type Logger } from '../../core/log/index.js';
import { openChain, type ChainConnection, type ProviderFactory } from './_api.js';
import { fetchNeuronsAndOwnerShare } from './_economics.js';
import { readMetagraphFile, writeMetagraphFile } from './_file.js';
import { buildMetagraph, type Metagraph, type MetagraphSource, type MetagraphStatus } from './types.js';

/** Options of {@link liveMetagraph}. */
export interface LiveMetagraphOptions {
  /** Websocket endpoint (see `CHAIN_ENDPOINTS` / `resolveEndpoint`). */
  readonly endpoint: string;
  readonly netuid: number;
  /** Time between refreshes; default 600 000 (10 min). After a failure the next try comes within 30 s. */
  readonly refreshMs?: number;
  /** Where every good snapshot is written, and read back when the chain is unreachable at start. */
  readonly cacheFile?: string;
  /** How long `start()` waits for the chain before falling back on the cache; default 20 000. */
  readonly startTimeoutMs?: number;
  /** Bound on one refresh once connected; default 60 000. */
  readonly fetchTimeoutMs?: number;
  /** Age past which `status().fresh` is false; default three refresh intervals. */
  readonly staleAfterMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Transport per endpoint; default a reconnecting `WsProvider`. */
  readonly providerFactory?: ProviderFactory;
}

/** A live `MetagraphSource`, with `refresh()` for an operator's "sync now". */
export interface LiveMetagraphSource extends MetagraphSource {
  /** Fetches now (joining a refresh already running); resolves true when a new snapshot was taken. */
  refresh(): Promise<boolean>;
}

const RETRY_MS = 30_000;

class LiveSource implements LiveMetagraphSource {
  #o: Required<Omit<LiveMetagraphOptions, 'cacheFile' | 'providerFactory'>> & LiveMetagraphOptions;
  #connection: ChainConnection | undefined;
  #snapshot: Metagraph | undefined;
  // The owner's share of the miner incentive at the snapshot; unknown for a cached one.
  #ownerShare: number | undefined;
  #fromChain = false;
  #lastError: string | undefined;
  #inFlight: Promise<boolean> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  // Aborted by close(), so that no timeout of a refresh in flight keeps the process alive.
  #abort = new AbortController();

  constructor(options: LiveMetagraphOptions) {
    const refreshMs = options.refreshMs ?? 600_000;
    this.#o = {
      refreshMs,
      startTimeoutMs: 20_000,
      fetchTimeoutMs: 60_000,
      staleAfterMs: 3 * refreshMs,
      clock: systemClock(),
      logger: silentLogger(),
      ...stripUndefined(options),
    };
  }

  async start(): Promise<void> {
    if (this.#connection || this.#closed) return;
    this.#connection = openChain(this.#o.endpoint, this.#o.providerFactory);
    const ok = await this.#refresh(this.#o.startTimeoutMs);
    if (!ok && !this.#snapshot) await this.#loadCache();
    this.#schedule();
  }

  current(): Metagraph | undefined {
    return this.#snapshot;
  }

  status(): MetagraphStatus {
    const s = this.#snapshot;
    const lastError = this.#lastError === undefined ? {} : { lastError: this.#lastError };
    if (!s) return { kind: 'live', loaded: false, fresh: false, ...lastError };
    const ageMs = this.#o.clock.nowMs() - s.fetchedAtMs;
    // A snapshot from the cache is never fresh, however young: the chain has not confirmed it.
    const fresh = this.#fromChain && ageMs <= this.#o.staleAfterMs;
    return {
      kind: 'live',
      loaded: true,
      fresh,
      block: s.block,
      neurons: s.neurons.length,
      ageMs,
      ...(this.#ownerShare !== undefined && { ownerIncentiveShare: this.#ownerShare }),
      ...lastError,
    };
  }

  refresh(): Promise<boolean> {
    return this.#refresh(this.#o.fetchTimeoutMs);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#abort.abort(new RoadworkError('ERR_CHAIN_UNREACHABLE', 'The metagraph source was closed.'));
    const connection = this.#connection;
    this.#connection = undefined;
    // Not awaiting a refresh in flight: disconnecting is what ends it.
    if (connection) await connection.api.disconnect().catch(() => undefined);
  }

  // One refresh at a time: a caller arriving mid-refresh shares its result.
  #refresh(timeoutMs: number): Promise<boolean> {
    this.#inFlight ??= this.#fetchOnce(timeoutMs).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #fetchOnce(timeoutMs: number): Promise<boolean> {
    const connection = this.#connection;
    if (!connection || this.#closed) return false;
    const { endpoint, netuid, clock, logger } = this.#o;
    const started = clock.nowMs();
    try {
      const signal = this.#abort.signal;
      const job = connection
        .ready(timeoutMs, signal)
        .then((api: ApiPromise) => fetchNeuronsAndOwnerShare(api, netuid));
      const tooSlow = (): Error =>
        new RoadworkError(
          'ERR_CHAIN_UNREACHABLE',
          `Fetching the metagraph took longer than ${timeoutMs} ms: ${endpoint}. Check the endpoint's health.`,
        );
      const { block, neurons, ownerIncentiveShare } = await withTimeout(job, timeoutMs, tooSlow, signal);
      if (this.#closed) return false;
      this.#ownerShare = ownerIncentiveShare;
      if (neurons.length === 0) logger.warn({ netuid, block }, 'chain reports no neurons on this subnet');
      this.#snapshot = buildMetagraph(netuid, block, neurons, clock.nowMs());
      this.#fromChain = true;
      this.#lastError = undefined;
      logger.info(
        { netuid, block, neurons: neurons.length, ms: clock.nowMs() - started },
        'metagraph refreshed',
      );
      await this.#writeCache(this.#snapshot);
      return true;
    } catch (err) {
      if (this.#closed) return false;
      this.#lastError = err instanceof Error ? err.message : String(err);
      logger.error({ err, netuid, endpoint, kept: this.#snapshot?.block }, 'metagraph refresh failed');
      return false;
    }
  }

  async #writeCache(snapshot: Metagraph): Promise<void> {
    const file = this.#o.cacheFile;
    if (!file) return;
    try {
      await writeMetagraphFile(file, snapshot);
    } catch (err) {
      this.#o.logger.warn({ err, file }, 'metagraph cache not written');
    }
  }

  async #loadCache(): Promise<void> {
    const file = this.#o.cacheFile;
    if (!file) return;
    const { netuid, clock, logger } = this.#o;
    if (!existsSync(file)) {
      // The first start: nothing cached yet. Not an error of the operator's, and no metagraph.file to fix.
      logger.warn(
        { file },
        'chain unreachable and no metagraph cached yet; not ready until the chain answers',
      );
      return;
    }
    try {
      const data = await readMetagraphFile(file);
      if (data.netuid !== netuid) {
        logger.warn({ file, cached: data.netuid, netuid }, 'metagraph cache is for another subnet; ignored');
        return;
      }
      const fetchedAtMs = data.fetchedAtMs ?? clock.nowMs();
      this.#snapshot = buildMetagraph(data.netuid, data.block, data.neurons, fetchedAtMs);
      this.#fromChain = false;
      this.#ownerShare = undefined;
      logger.warn(
        { file, block: data.block, ageMs: clock.nowMs() - fetchedAtMs },
        'chain unreachable; metagraph from cache',
      );
    } catch (err) {
      logger.error({ err, file }, 'chain unreachable and the metagraph cache is unusable');
    }
  }

  #schedule(): void {
    if (this.#closed) return;
    const delay =
      this.#fromChain && this.#lastError === undefined
        ? this.#o.refreshMs
        : Math.min(RETRY_MS, this.#o.refreshMs);
    // setTimeout after each refresh, not setInterval: a slow chain can never stack refreshes.
    this.#timer = setTimeout(() => {
      void this.refresh().finally(() => this.#schedule());
    }, delay);
    this.#timer.unref();
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * A metagraph source reading `NeuronInfoRuntimeApi.get_neurons_lite(netuid)` from subtensor. `start()`
 * waits up to `startTimeoutMs` for a first snapshot, then falls back on `cacheFile` (fresh = false);
 * it never throws for an unreachable chain, and keeps retrying in the background.
 */
export function liveMetagraph(options: LiveMetagraphOptions): LiveMetagraphSource {
  return new LiveSource(options);
}
