// The Redis cache against a real redis-server on a random loopback port: sharing, TTL, outages, recovery.
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createLogger } from '../../core/log/index.js';
import { createMetrics } from '../../core/metrics/index.js';
import { createCache, type CacheOptions, type PredictionCache } from './index.js';
import { startTestRedis, type TestRedis } from './_test-redis.js';
import { redisMissing, requirement } from '../../../test/fixtures/requirements.js';

let lines: { level: number; msg: string }[] = [];
const logger = createLogger({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
const metrics = createMetrics({ processMetrics: false });
const caches: PredictionCache[] = [];
let server: TestRedis;

function open(namespace: string, extra: Partial<CacheOptions> = {}): PredictionCache {
  const cache = createCache(
    { kind: 'redis', size: 100, ttlS: 60, namespace, redisUrl: server.url, probeIntervalMs: 100, ...extra },
    { logger, metrics },
  );
  caches.push(cache);
  return cache;
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`Timed out after ${ms} ms waiting until ${what}`);
    await sleep(20);
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

const warnings = (): number => lines.filter((l) => l.level === 40).length;

// Each test closes its caches, so an outage in one test is not logged by the caches of another.
async function closeAll(): Promise<void> {
  await Promise.all(caches.splice(0).map((c) => c.close()));
}

const skip = requirement(redisMissing());

before(async () => {
  if (skip === false) server = await startTestRedis();
});

afterEach(closeAll);

after(async () => {
  await closeAll();
  if (skip === false) await server.stop();
});

test('two caches of one namespace share predictions through Redis, with the TTL set', { skip }, async () => {
  const a = open('roadwork:v1');
  const b = open('roadwork:v1');
  await until('both caches are connected', () => a.status().redis === 'up' && b.status().redis === 'up');
  await a.set('f00d', 0.7);
  assert.equal(await b.get('f00d'), 0.7);
  assert.equal(await b.get('beef'), undefined);
  const raw = new Redis(server.url);
  try {
    assert.equal(await raw.get('roadwork:v1:f00d'), '0.7');
    const ttl = await raw.ttl('roadwork:v1:f00d');
    assert.ok(ttl > 50 && ttl <= 60, `TTL ${ttl}`);
  } finally {
    await raw.quit();
  }
  assert.match(
    await metrics.registry.metrics(),
    /roadwork_cache_lookups_total\{backend="redis",result="hit"\} 1/,
  );
});

test('another namespace (another model version) does not see the entries', { skip }, async () => {
  const v1 = open('roadwork:v1');
  const v2 = open('roadwork:v2');
  await until('connected', () => v1.status().redis === 'up' && v2.status().redis === 'up');
  await v1.set('cafe', 0.3);
  assert.equal(await v2.get('cafe'), undefined);
  assert.equal(await open('roadwork:v1').get('cafe'), undefined, 'not yet connected: memory only, a miss');
});

test('an entry expires in Redis after ttlS', { skip }, async () => {
  const writer = open('ttl', { ttlS: 1 });
  const reader = open('ttl', { ttlS: 1 });
  await until('connected', () => writer.status().redis === 'up' && reader.status().redis === 'up');
  await writer.set('abcd', 0.42);
  assert.equal(await reader.get('abcd'), 0.42);
  const later = open('ttl', { ttlS: 1 });
  await until('connected', () => later.status().redis === 'up');
  await sleep(1100);
  assert.equal(await later.get('abcd'), undefined);
});

test(
  'a killed Redis falls back to memory within milliseconds, logs once, and recovers on restart',
  { skip },
  async () => {
    const a = open('outage');
    const b = open('outage');
    await until('connected', () => a.status().redis === 'up' && b.status().redis === 'up');
    await a.set('1111', 0.6);
    lines = [];

    await server.stop();
    const slowest = { ms: 0 };
    for (let i = 0; i < 20; i++) {
      const set = await timed(() => a.set(`k${i}`, i / 20));
      const get = await timed(() => a.get(`k${i}`));
      assert.equal(get.value, i / 20, 'served from the in-process cache');
      slowest.ms = Math.max(slowest.ms, set.ms, get.ms);
    }
    assert.equal((await timed(() => b.get('nothing'))).value, undefined);
    assert.ok(slowest.ms < 100, `a request waited ${slowest.ms.toFixed(1)} ms for a dead Redis`);
    await until(
      'both caches see the outage',
      () => a.status().redis === 'down' && b.status().redis === 'down',
    );
    await sleep(700); // several failed reconnects, each an 'error' event of the client
    assert.equal(warnings(), 2, 'one warning per cache for the whole outage');

    server = await startTestRedis(server.port);
    await until('reconnected', () => a.status().redis === 'up' && b.status().redis === 'up', 8000);
    await a.set('2222', 0.8);
    assert.equal(await b.get('2222'), 0.8);
    assert.ok(lines.some((l) => /is back/.test(l.msg)));
  },
);

test(
  'a Redis that stops answering costs at most one command timeout, then is probed back',
  { skip },
  async () => {
    const a = open('slow', { commandTimeoutMs: 20 });
    await until('connected', () => a.status().redis === 'up');
    server.pause();
    try {
      const first = await timed(() => a.get('stalled'));
      assert.equal(first.value, undefined);
      assert.ok(first.ms < 100, `the first lookup took ${first.ms.toFixed(1)} ms`);
      // Suspect: later lookups skip Redis at once while a PING (1 s budget) decides.
      const next = await timed(() => a.get('stalled'));
      assert.ok(next.ms < 5, `a lookup while suspect took ${next.ms.toFixed(1)} ms`);
      await until('the PING timed out and marked it down', () => a.status().redis === 'down', 3000);
      const down = await timed(() => a.get('stalled'));
      assert.ok(down.ms < 5, `a lookup while down took ${down.ms.toFixed(1)} ms`);
      assert.ok(a.status().errors >= 2);
    } finally {
      server.resume();
    }
    await until('a PING brought it back', () => a.status().redis === 'up');
    await a.set('back', 0.5);
    assert.equal(await open('slow').get('back'), undefined, 'a fresh cache is still connecting');
    assert.match(
      await metrics.registry.metrics(),
      /roadwork_cache_errors_total\{backend="redis",op="get"\} [1-9]/,
    );
  },
);

test(
  'a lookup that times out only because the event loop was busy does not take Redis down',
  { skip },
  async () => {
    const a = open('busy', { commandTimeoutMs: 20 });
    const b = open('busy');
    await until('connected', () => a.status().redis === 'up' && b.status().redis === 'up');
    lines = [];
    for (let round = 0; round < 3; round++) {
      // Redis answers at once, but the loop stays blocked past the timeout in the check phase, so
      // the expired timer runs before the poll phase reads the answer: what a CPU-bound miner sees.
      const value = await new Promise<number | undefined>((resolve) =>
        setImmediate(() => {
          const lookup = a.get(`busy-${round}`);
          const end = Date.now() + 120;
          while (Date.now() < end);
          resolve(lookup);
        }),
      );
      assert.equal(value, undefined);
      await sleep(50);
    }
    assert.ok(a.status().errors >= 1, `the timeouts are counted: ${JSON.stringify(a.status())}`);
    assert.equal(a.status().redis, 'up');
    assert.equal(warnings(), 0, 'no outage is logged for a busy process');
    await until('sharing again', () => a.status().redis === 'up');
    await a.set('after-busy', 0.25);
    assert.equal(await b.get('after-busy'), 0.25, 'still shared through Redis');
  },
);
