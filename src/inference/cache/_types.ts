/** Types of the prediction cache, shared by its backends and its entry. */
import type { Clock } from '../../core/clock/index.js';
import type { Logger } from '../../core/log/index.js';
import type { Metrics } from '../../core/metrics/index.js';

/** Which backend holds predictions (`cache.kind`). */
export type CacheKind = 'none' | 'memory' | 'redis';

/** Options of `createCache`, usually the `cache.*` settings. */
export interface CacheOptions {
  readonly kind: CacheKind;
  /** Entries kept in process (the LRU, and Redis's fallback); 0 keeps none (`cache.size`). */
  readonly size: number;
  /** Lifetime of an entry in seconds, in memory and in Redis (`cache.ttl_s`). */
  readonly ttlS: number;
  /** Redis URL when `kind` is redis (`cache.redis_url`). */
  readonly redisUrl?: string;
  /**
   * Prefix of every Redis key. Include the model version (e.g. `roadwork:v3`): miners sharing a Redis
   * must never read each other's answers from another model.
   */
  readonly namespace: string;
  /** Longest a Redis lookup may take before it falls back to memory (default 50 ms, `cache.redis_timeout_ms`). */
  readonly commandTimeoutMs?: number;
  /** While Redis is marked down, how often a request may trigger a background PING (default 1000 ms). */
  readonly probeIntervalMs?: number;
}

/** What a cache needs from its surroundings. */
export interface CacheDeps {
  readonly logger: Logger;
  readonly metrics?: Pick<Metrics, 'cacheLookups' | 'cacheErrors'>;
  /** Time for the TTL of in-process entries (default the system clock). */
  readonly clock?: Clock;
}

/** What `/health` and logs report about a cache. */
export interface CacheStatus {
  readonly kind: CacheKind;
  /** Redis state: connecting, up, down (serving from memory meanwhile) or closed. */
  readonly redis?: 'connecting' | 'up' | 'down' | 'closed';
  /** Entries held in process now. */
  readonly entries: number;
  readonly hits: number;
  readonly misses: number;
  /** Redis failures since start (each one served from memory instead). */
  readonly errors: number;
}

/** A store of p(roadwork) by image hash. Never throws for a backend failure: a failure is a miss. */
export interface PredictionCache {
  get(key: string): Promise<number | undefined>;
  /** Stores `value`; resolves once the backend acknowledged or gave up (a hot path need not await it). */
  set(key: string, value: number): Promise<void>;
  status(): CacheStatus;
  /** Releases the backend connection; later calls act as an empty cache. */
  close(): Promise<void>;
}
