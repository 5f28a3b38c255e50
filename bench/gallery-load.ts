// Benchmark: the web app's gallery (GET /api/queries, hard cases first) on a synthetic query log of 20 000
// requests, over real HTTP (not a test). Cells alternate round after round, all in one run:
//   first load   a fresh app: the whole log read, clustered and ranked (what every load cost before the
//                app kept its ranking)
//   reload       the same app again, the log unchanged
//   label+load   an operator's label (POST /api/label), then the gallery again
//   newest       the gallery in newest-first order (no ranking): the floor
//   cluster      the gallery filtered to one embedding cluster (as the cluster view's click asks)
//   projection   the cluster view's points (GET /api/projection)
//
//   node --import tsx bench/gallery-load.ts [--n 20000] [--dims 1280] [--rounds 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/core/log/index.js';
import { openQueryStore, queryImagesDir } from '../src/lifecycle/querylog/index.js';
import { createWebApp, type WebApp } from '../src/app/web/index.js';
import type { AsyncStore } from '../src/core/store/index.js';
import { fillMiningLog } from './_mining-log.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    dims: { type: 'string', default: '1280' },
    rounds: { type: 'string', default: '5' },
  },
});

type Cell = 'first load' | 'reload' | 'label+load' | 'newest' | 'cluster' | 'projection';
const CELLS: readonly Cell[] = ['first load', 'reload', 'label+load', 'newest', 'cluster', 'projection'];

async function startApp(store: AsyncStore, dataDir: string): Promise<{ app: WebApp; url: string }> {
  const app = createWebApp(
    {
      store,
      imagesDir: queryImagesDir({ dataDir, storeUrl: '' }),
      dataDir,
      metrics: async () => '',
      logger: silentLogger(),
    },
    { token: '', retrainArgs: [] },
  );
  const { port } = await app.listen(0, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}` };
}

async function gallery(url: string, query = ''): Promise<{ sha256: string; score?: number }[]> {
  const res = await fetch(`${url}/api/queries${query}`);
  if (res.status !== 200) throw new Error(`GET /api/queries: HTTP ${res.status}`);
  return ((await res.json()) as { queries: { sha256: string; score?: number }[] }).queries;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roadwork-bench-gallery-'));
  const store = await openQueryStore({ dataDir, storeUrl: '' });
  const warm = await startApp(store, dataDir);
  try {
    await fillMiningLog(store, { n: Number(args.n), dims: Number(args.dims), clusters: 40 });
    let hard = (await gallery(warm.url)).filter((r) => r.score !== undefined);
    const times = new Map<Cell, number[]>(CELLS.map((c) => [c, []]));
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const cell of round % 2 === 0 ? CELLS : [...CELLS].reverse()) {
        let ms: number;
        if (cell === 'first load') {
          const fresh = await startApp(store, dataDir);
          ms = await timed(() => gallery(fresh.url));
          await fresh.app.close();
        } else if (cell === 'reload') ms = await timed(() => gallery(warm.url));
        else if (cell === 'newest') ms = await timed(() => gallery(warm.url, '?sort=recent'));
        else if (cell === 'cluster') ms = await timed(() => gallery(warm.url, `?cluster=${round % 5}`));
        else if (cell === 'projection') {
          ms = await timed(async () => {
            const res = await fetch(`${warm.url}/api/projection`);
            if (res.status !== 200) throw new Error(`GET /api/projection: HTTP ${res.status}`);
            await res.json();
          });
        } else {
          const next = hard.shift();
          if (next === undefined) throw new Error('No hard case left to label');
          ms = await timed(async () => {
            const res = await fetch(`${warm.url}/api/label`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ sha256: next.sha256, label: 1 }),
            });
            if (res.status !== 200) throw new Error(`POST /api/label: HTTP ${res.status}`);
            const rows = await gallery(warm.url);
            if (rows.some((r) => r.sha256 === next.sha256 && r.score !== undefined))
              throw new Error('A labelled image is still ranked: the ranking is stale');
            hard = rows.filter((r) => r.score !== undefined);
          });
        }
        times.get(cell)!.push(ms);
      }
    }
    const med = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const base = med(times.get('first load')!);
    console.log(
      `gallery load (GET /api/queries) and cluster view (GET /api/projection) on ${args.n} requests, ${args.dims}-wide embeddings; ` +
        `${args.rounds} rounds, ms median [min–max], ratio to a first load`,
    );
    for (const [cell, xs] of times) {
      const s = [...xs].sort((a, b) => a - b);
      console.log(
        `  ${cell.padEnd(11)} ${med(xs).toFixed(0).padStart(7)} [${s[0]!.toFixed(0)}–${s.at(-1)!.toFixed(0)}]  ×${(med(xs) / base).toFixed(3)}`,
      );
    }
    console.log(
      JSON.stringify({ bench: 'gallery-load', n: Number(args.n), times: Object.fromEntries(times) }),
    );
  } finally {
    await warm.app.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
