/** The prediction cache: a perceptual hash of the decoded image as key, p(roadwork) as value. */
import { RoadworkError } from '../../core/errors/index.js';
import { MemoryCache, noCache } from './_memory.js';
import { RedisCache } from './_redis.js';
import type { CacheDeps, CacheOptions, PredictionCache } from './_types.js';

export { hammingDistance, perceptualHash } from './_phash.js';
export type { CacheDeps, CacheKind, CacheOptions, CacheStatus, PredictionCache } from './_types.js';

/** Creates the cache `options.kind` names; Redis connects in the background and never blocks a lookup. */
export function createCache(options: CacheOptions, deps: CacheDeps): PredictionCache {
  if (!Number.isInteger(options.size) || options.size < 0) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Setting cache.size is invalid: ${options.size}; use a whole number of entries, 0 or more.`,
    );
  }
  if (!(Number.isFinite(options.ttlS) && options.ttlS >= 1)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Setting cache.ttl_s is invalid: ${options.ttlS}; use a number of seconds, 1 or more.`,
    );
  }
  switch (options.kind) {
    case 'none':
      return noCache();
    case 'memory':
      return new MemoryCache(options, deps);
    case 'redis':
      return new RedisCache(options, deps);
    default:
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Setting cache.kind is invalid: ${String(options.kind)}; use one of none, memory, redis.`,
      );
  }
}
