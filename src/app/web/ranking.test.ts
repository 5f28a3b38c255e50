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
  projectQueries,
  queryImagesDir,
  recordLabels,
  restoreLabel,
} from '../../lifecycle/querylog/index.js';
import { answered } from '../../lifecycle/querylog/_test-querylog.js';
import { HardCaseCache, ProjectionCache } from './_ranking.js';
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

test('ProjectionCache projects once while the log stands still; a label re-reads only the labels, traffic all of it', async (t) => {
  const f = await webFixture(12);
  t.after(() => f.close());
  const c = counting(f.store);
  const cache = new ProjectionCache(c.store);
  const first = await cache.points();
  assert.deepEqual(first, await projectQueries(f.store, { limit: Infinity }));
  assert.equal(first.length, 12);
  assert.equal(await cache.points(), first, 'the same points, not read again');
  assert.equal(c.reads(), 1);

  const target = first[3]!;
  await recordLabels(f.store, [
    { sha256: target.sha256, label: 1, source: 'eval', at: Date.now(), by: '5Eval' },
  ]);
  const labelled = await cache.points();
  assert.deepEqual(
    [c.reads(), c.labelReads()],
    [1, 1],
    'the plane and clusters are kept; only labels were read',
  );
  assert.deepEqual(labelled, await projectQueries(f.store, { limit: Infinity }), 'as a fresh projection');
  const point = labelled.find((p) => p.sha256 === target.sha256)!;
  assert.deepEqual([point.label, point.error], [1, point.prediction < 0.5]);

  await restoreLabel(f.store, target.sha256, undefined);
  assert.equal(
    (await cache.points()).find((p) => p.sha256 === target.sha256)!.label,
    null,
    'an undo clears it',
  );

  const sha = await logHardest(f.store, f.dataDir);
  const later = await cache.points();
  assert.equal(c.reads(), 2);
  assert.equal(later.length, 13);
  assert.equal(later[0]!.sha256, sha, 'new traffic is placed, newest first');
});

test("GET /api/queries?cluster= lists exactly the projection's members of that cluster, after labels and traffic too", async (t) => {
  const f = await webFixture(12);
  t.after(() => f.close());
  const inCluster = async (cluster: number): Promise<number[]> =>
    (
      (await (await fetch(`${f.url}/api/queries?sort=recent&cluster=${cluster}`)).json()) as {
        queries: Row[];
      }
    ).queries
      .map((r) => r.id)
      .sort((a, b) => a - b);
  const expected = async (): Promise<Map<number, number[]>> => {
    const byCluster = new Map<number, number[]>();
    for (const p of await projectQueries(f.store, { limit: Infinity })) {
      if (p.cluster === null) continue;
      byCluster.set(
        p.cluster,
        [...(byCluster.get(p.cluster) ?? []), p.id].sort((a, b) => a - b),
      );
    }
    return byCluster;
  };
  const check = async (): Promise<void> => {
    const want = await expected();
    assert.ok(want.size >= 2, `${want.size} clusters`);
    for (const [cluster, ids] of want) assert.deepEqual(await inCluster(cluster), ids, `cluster ${cluster}`);
  };
  await check();
  const some = (await gallery(f.url))[0]!;
  await recordLabels(f.store, [
    { sha256: some.sha256, label: 0, source: 'operator', at: Date.now(), by: 'ui' },
  ]);
  await check();
  await logHardest(f.store, f.dataDir);
  await check();
});
