// The in-process LRU cache with a fake clock, and the disabled cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock } from '../../core/clock/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { silentLogger } from '../../core/log/index.js';
import { createMetrics } from '../../core/metrics/index.js';
import { createCache, type CacheKind } from './index.js';

const logger = silentLogger();

test('the memory cache evicts the least recently used entry, counting a get as a use', async () => {
  const cache = createCache({ kind: 'memory', size: 3, ttlS: 60, namespace: 't' }, { logger });
  await cache.set('a', 0.1);
  await cache.set('b', 0.2);
  await cache.set('c', 0.3);
  assert.equal(await cache.get('a'), 0.1);
  await cache.set('d', 0.4);
  assert.equal(await cache.get('b'), undefined);
  assert.deepEqual([await cache.get('a'), await cache.get('c'), await cache.get('d')], [0.1, 0.3, 0.4]);
  assert.equal(cache.status().entries, 3);
  await cache.close();
});

test('the memory cache forgets an entry once its TTL has passed', async () => {
  const clock = fakeClock();
  const cache = createCache({ kind: 'memory', size: 10, ttlS: 5, namespace: 't' }, { logger, clock });
  await cache.set('k', 0.75);
  clock.advance(4_999);
  assert.equal(await cache.get('k'), 0.75);
  clock.advance(1);
  assert.equal(await cache.get('k'), undefined);
  assert.equal(cache.status().entries, 0);
});

test('a later set refreshes the value and the TTL of an entry', async () => {
  const clock = fakeClock();
  const cache = createCache({ kind: 'memory', size: 10, ttlS: 5, namespace: 't' }, { logger, clock });
  await cache.set('k', 0.2);
  clock.advance(4_000);
  await cache.set('k', 0.9);
  clock.advance(4_000);
  assert.equal(await cache.get('k'), 0.9);
});

test('the memory cache counts hits and misses in its status and in the metrics', async () => {
  const metrics = createMetrics({ processMetrics: false });
  const cache = createCache({ kind: 'memory', size: 10, ttlS: 60, namespace: 't' }, { logger, metrics });
  await cache.set('k', 0.5);
  await cache.get('k');
  await cache.get('k');
  await cache.get('nope');
  assert.deepEqual([cache.status().hits, cache.status().misses], [2, 1]);
  const text = await metrics.registry.metrics();
  assert.match(text, /roadwork_cache_lookups_total\{backend="memory",result="hit"\} 2/);
  assert.match(text, /roadwork_cache_lookups_total\{backend="memory",result="miss"\} 1/);
});

test('a memory cache of size 0 and the none cache hold nothing', async () => {
  for (const [kind, size] of [
    ['memory', 0],
    ['none', 100],
  ] as const) {
    const cache = createCache({ kind, size, ttlS: 60, namespace: 't' }, { logger });
    await cache.set('k', 0.5);
    assert.equal(await cache.get('k'), undefined, kind);
    assert.equal(cache.status().entries, 0);
  }
});

test('createCache() rejects an unknown kind with the valid ones', () => {
  assert.throws(
    () => createCache({ kind: 'disk' as CacheKind, size: 1, ttlS: 1, namespace: 't' }, { logger }),
    (err) =>
      isRoadworkError(err, 'ERR_CONFIG_INVALID') && /disk; use one of none, memory, redis/.test(err.message),
  );
});
