// The gallery's kept hard-case ranking: reused while the log stands still, never stale once it moves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AsyncStore } from '../../core/store/index.js';
import { systemClock } from '../../core/clock/index.js';
import { silentLogger } from '../../core/log/index.js';
import { createMetrics } from '../../core/metrics/index.js';
import {
  QueryLogWriter,
  imageKey,
  queryImagesDir,
  recordLabels,
  restoreLabel,
} from '../../lifecycle/querylog/index.js';
import { answered } from '../../lifecycle/querylog/_test-querylog.js';
import { HardCaseCache } from './_ranking.js';
import { webFixture } from './_test-web.js';

interface Row {
  readonly id: number;
  readonly sha256: string;
  readonly score?: number;
}

async function gallery(url: string): Promise<Row[]> {
  return ((await (await fetch(`${url}/api/queries`)).json()) as { queries: Row[] }).queries;
}

/** The store, counting the full reads of the log a ranking makes (the one query that joins every request). */
function counting(store: AsyncStore): { store: AsyncStore; reads: () => number; labelReads: () => number } {
  let reads = 0;
  let labelReads = 0;
  const all: AsyncStore['all'] = (sql, params) => {
    if (sql.includes('GROUP BY image_sha256')) reads++;
    if (sql.startsWith('SELECT sha256, label FROM labels')) labelReads++;
    return store.all(sql, params);
  };
  return {
    store: new Proxy(store, {
      get: (s, k) => {
        if (k === 'all') return all;
        const v: unknown = Reflect.get(s, k, s);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(s) : v;
      },
    }),
    reads: () => reads,
    labelReads: () => labelReads,
  };
}

/** Logs one request the ranking must put first: a prediction at the threshold whose stages disagree. */
async function logHardest(store: AsyncStore, dataDir: string): Promise<string> {
  const writer = new QueryLogWriter(store, {
    queueSize: 10,
    imagesDir: queryImagesDir({ dataDir, storeUrl: '' }),
    clock: systemClock(),
    logger: silentLogger(),
    metrics: createMetrics({ processMetrics: false }),
  });
  const a = await answered([128, 3, 250], {
    prediction: 0.5,
    stages: [
      { stage: 'fast', probability: 0.99, ms: 1 },
      { stage: 'slow', probability: 0.01, ms: 2 },
    ],
    embedding: Float32Array.from([0.5, 0, 0.5]),
  });
  writer.hook(a);
  await writer.close();
  return imageKey(a.image);
}

test('HardCaseCache reads the log once while it stands still; a label re-reads only the labels, traffic all of it', async (t) => {
  const f = await webFixture(12);
  t.after(() => f.close());
  const c = counting(f.store);
  const cache = new HardCaseCache(c.store);
  const now = Date.now();
  const first = await cache.cases(now, 100);
  assert.ok(first.length > 0);
  assert.equal(await cache.cases(now + 1000, 100), first, 'the same ranking, not read again');
  assert.equal(c.reads(), 1);

  const top = first[0]!;
  await recordLabels(f.store, [{ sha256: top.sha256, label: 1, source: 'operator', at: now, by: 'test' }]);
  const labelled = await cache.cases(now + 2000, 100);
  assert.ok(!labelled.some((x) => x.sha256 === top.sha256), 'a labelled image is no longer a hard case');
  assert.deepEqual([c.reads(), c.labelReads()], [1, 1], 'clusters are kept; only labels were read');

  await restoreLabel(f.store, top.sha256, undefined);
  assert.equal((await cache.cases(now + 3000, 100))[0]!.sha256, top.sha256, 'an undo puts it back');

  const sha = await logHardest(f.store, f.dataDir);
  const later = await cache.cases(Date.now() + 1000, 100);
  assert.equal(later[0]!.sha256, sha, 'new traffic is ranked');
  assert.equal(c.reads(), 2);
});

test('HardCaseCache does not reuse a ranking read as of a time that left requests out', async (t) => {
  const f = await webFixture(6);
  t.after(() => f.close());
  const cache = new HardCaseCache(f.store);
  const oldest = Math.min(
    ...(await f.store.all<{ at: number }>('SELECT received_at AS at FROM queries')).map((r) => r.at),
  );
  const early = await cache.cases(oldest, 100);
  const all = await cache.cases(Date.now(), 100);
  assert.ok(
    all.length > early.length,
    `${all.length} hard cases now, ${early.length} as of the first request`,
  );
});

test('GET /api/queries: a label through the app, one from another process and new traffic all reach the ranking', async (t) => {
  const f = await webFixture(12);
  t.after(() => f.close());
  const before = (await gallery(f.url)).filter((r) => r.score !== undefined);
  assert.ok(before.length >= 2);
  const [a, b] = before;

  const posted = await fetch(`${f.url}/api/label`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sha256: a!.sha256, label: 0 }),
  });
  assert.equal(posted.status, 200);
  let rows = await gallery(f.url);
  assert.equal(rows.find((r) => r.sha256 === a!.sha256)?.score, undefined, 'labelled in the app');

  // As `roadwork eval` records labels: the same store, not through the app.
  await recordLabels(f.store, [{ sha256: b!.sha256, label: 1, source: 'eval', at: Date.now(), by: '5Eval' }]);
  rows = await gallery(f.url);
  assert.equal(rows.find((r) => r.sha256 === b!.sha256)?.score, undefined, 'labelled by another process');

  const sha = await logHardest(f.store, f.dataDir);
  rows = await gallery(f.url);
  assert.equal(rows[0]!.sha256, sha, 'a new request ranks first');
  assert.ok(rows[0]!.score! > 0);
});
