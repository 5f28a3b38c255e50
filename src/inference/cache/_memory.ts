/** The in-process prediction cache (`cache.kind: memory`) and the disabled one (`none`). */
import { systemClock } from '../../core/clock/index.js';
import { Lru } from './_lru.js';
import type { CacheDeps, CacheOptions, CacheStatus, PredictionCache } from './_types.js';

/** An LRU with a TTL, counted in metrics as the `memory` backend. */
export class MemoryCache implements PredictionCache {
  readonly #lru: Lru<number>;
  readonly #deps: CacheDeps;
  #hits = 0;
  #misses = 0;

  constructor(options: Pick<CacheOptions, 'size' | 'ttlS'>, deps: CacheDeps) {
    this.#lru = new Lru(options.size, options.ttlS * 1000, deps.clock ?? systemClock());
    this.#deps = deps;
  }

  async get(key: string): Promise<number | undefined> {
    const value = this.#lru.get(key);
    if (value === undefined) this.#misses++;
    else this.#hits++;
    this.#deps.metrics?.cacheLookups.inc({ backend: 'memory', result: value === undefined ? 'miss' : 'hit' });
    return value;
  }

  async set(key: string, value: number): Promise<void> {
    if (Number.isFinite(value)) this.#lru.set(key, value);
  }

  status(): CacheStatus {
    return Object.freeze({
      kind: 'memory',
      entries: this.#lru.size,
      hits: this.#hits,
      misses: this.#misses,
      errors: 0,
    });
  }

  async close(): Promise<void> {
    this.#lru.clear();
  }
}

/** The cache that never holds anything (`cache.kind: none`). */
export function noCache(): PredictionCache {
  return Object.freeze({
    get: async () => undefined,
    set: async () => {},
    status: (): CacheStatus => Object.freeze({ kind: 'none', entries: 0, hits: 0, misses: 0, errors: 0 }),
    close: async () => {},
  });
}
