/** The shared prediction cache in Redis, with the in-process LRU in front and as the fallback. */
import { Redis } from 'ioredis';
import { systemClock, withTimeout, type Clock } from '../../core/clock/index.js';
import { Lru } from './_lru.js';
import type { CacheDeps, CacheOptions, CacheStatus, PredictionCache } from './_types.js';

// `suspect`: a lookup timed out; requests skip Redis until a PING with a generous timeout decides.
type State = 'connecting' | 'up' | 'suspect' | 'down' | 'closed';

const DEFAULT_COMMAND_TIMEOUT_MS = 50;
const DEFAULT_PROBE_INTERVAL_MS = 1000;
/** A PING's budget: long enough that a busy event loop is not taken for a dead Redis. */
const PROBE_TIMEOUT_MS = 1000;
const QUIT_TIMEOUT_MS = 500;

class CommandTimeout extends Error {}

/** `promise`, or a `CommandTimeout` after `ms` (the command itself is left to finish or fail). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  return withTimeout(promise, ms, () => new CommandTimeout(`Redis did not answer within ${ms} ms`));
}

// The URL as it may appear in a log: never with its password.
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function parseValue(raw: string | null): number | undefined {
  if (raw === null) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Redis as a second level behind the LRU. Redis is used only while `up`. A connection error marks it
 * down at once (one log line per outage). A lookup that only times out — which a CPU-bound event loop
 * also causes — makes it `suspect`: requests are served from memory while one PING with a generous
 * timeout decides between up again (quietly) and down. Either way an outage costs a request at most
 * one command timeout, and a busy moment no longer reads as an outage.
 */
export class RedisCache implements PredictionCache {
  readonly #client: Redis;
  readonly #lru: Lru<number>;
  readonly #deps: CacheDeps;
  readonly #clock: Clock;
  readonly #ttlS: number;
  readonly #url: string;
  readonly #probeIntervalMs: number;
  readonly #commandTimeoutMs: number;
  #state: State = 'connecting';
  #nextProbeMs = 0;
  #probing = false;
  #hits = 0;
  #misses = 0;
  #errors = 0;

  constructor(options: CacheOptions, deps: CacheDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? systemClock();
    this.#lru = new Lru(options.size, options.ttlS * 1000, this.#clock);
    this.#ttlS = options.ttlS;
    this.#url = options.redisUrl ?? 'redis://127.0.0.1:6379';
    this.#probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.#client = new Redis(this.#url, {
      keyPrefix: options.namespace === '' ? undefined : `${options.namespace}:`,
      // Timeouts are per call (`within`), so a PING can be given longer than a lookup.
      connectTimeout: 1000,
      // No queue while disconnected: a command then fails at once instead of waiting for a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
    });
    this.#client.on('ready', () => this.#markUp());
    this.#client.on('error', (err: Error) => this.#markDown(err));
    this.#client.on('close', () => this.#markDown('connection closed'));
  }

  async get(key: string): Promise<number | undefined> {
    const local = this.#lru.get(key);
    if (local !== undefined) return this.#count('memory', local);
    if (this.#state !== 'up') {
      this.#maybeProbe();
      return this.#count('memory', undefined);
    }
    try {
      const value = parseValue(await within(this.#client.get(key), this.#commandTimeoutMs));
      if (value !== undefined) this.#lru.set(key, value);
      return this.#count('redis', value);
    } catch (err) {
      this.#failed('get', err);
      return this.#count('memory', undefined);
    }
  }

  async set(key: string, value: number): Promise<void> {
    if (!Number.isFinite(value)) return;
    this.#lru.set(key, value);
    if (this.#state !== 'up') {
      this.#maybeProbe();
      return;
    }
    try {
      await within(this.#client.set(key, String(value), 'EX', Math.ceil(this.#ttlS)), this.#commandTimeoutMs);
    } catch (err) {
      this.#failed('set', err);
    }
  }

  status(): CacheStatus {
    if (this.#state === 'down') this.#maybeProbe();
    return Object.freeze({
      kind: 'redis',
      // Suspect is still up as far as anyone watching can tell: nothing has failed but one slow call.
      redis: this.#state === 'suspect' ? 'up' : this.#state,
      entries: this.#lru.size,
      hits: this.#hits,
      misses: this.#misses,
      errors: this.#errors,
    });
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#lru.clear();
    if (this.#client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#client.quit().catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, QUIT_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
    // Also stops the reconnect loop when Redis was down, so the process can exit.
    if (this.#client.status !== 'end') this.#client.disconnect();
  }

  #count(backend: 'memory' | 'redis', value: number | undefined): number | undefined {
    if (value === undefined) this.#misses++;
    else this.#hits++;
    this.#deps.metrics?.cacheLookups.inc({ backend, result: value === undefined ? 'miss' : 'hit' });
    return value;
  }

  #failed(op: 'get' | 'set' | 'ping', err: unknown): void {
    this.#errors++;
    this.#deps.metrics?.cacheErrors.inc({ backend: 'redis', op });
    if (err instanceof CommandTimeout && op !== 'ping' && this.#state === 'up') this.#suspect();
    else this.#markDown(err);
  }

  // One PING decides whether a timed-out lookup meant a dead Redis or a busy process.
  #suspect(): void {
    this.#state = 'suspect';
    this.#probing = true;
    within(this.#client.ping(), PROBE_TIMEOUT_MS)
      .then(
        () => {
          if (this.#state === 'suspect') this.#state = 'up';
        },
        (err: unknown) => this.#failed('ping', err),
      )
      .finally(() => (this.#probing = false));
  }

  // A slow Redis keeps its connection, so no 'ready' will announce its return: a PING has to.
  #maybeProbe(): void {
    const now = this.#clock.nowMs();
    if (this.#state !== 'down' || this.#probing || now < this.#nextProbeMs) return;
    if (this.#client.status !== 'ready') return;
    this.#probing = true;
    this.#nextProbeMs = now + this.#probeIntervalMs;
    within(this.#client.ping(), PROBE_TIMEOUT_MS)
      .then(
        () => this.#markUp(),
        (err: unknown) => this.#failed('ping', err),
      )
      .finally(() => (this.#probing = false));
  }

  #markUp(): void {
    if (this.#state === 'closed' || this.#state === 'up' || this.#state === 'suspect') return;
    const wasDown = this.#state === 'down';
    this.#state = 'up';
    if (wasDown)
      this.#deps.logger.info({ redis: safeUrl(this.#url) }, 'Redis cache is back; sharing predictions again');
  }

  #markDown(err: unknown): void {
    if (this.#state === 'closed' || this.#state === 'down') return;
    this.#state = 'down';
    this.#nextProbeMs = this.#clock.nowMs() + this.#probeIntervalMs;
    this.#deps.logger.warn(
      { redis: safeUrl(this.#url), err: err instanceof Error ? err.message : String(err) },
      'Redis cache is unavailable; serving from the in-process cache until it returns',
    );
  }
}
