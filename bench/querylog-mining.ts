// Hard-case mining at scale: rankHardCases, similarQueries and projectQueries on a synthetic query log
// (default 20 000 requests, 1280-wide embeddings as the starter's MobileNetV2 gives), each against
// reading the same rows in the same run; and the pHash near-duplicate index against comparing pairs.
//
//   node --import tsx bench/querylog-mining.ts [--n 20000] [--dims 1280] [--store-url postgres://...]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hammingDistance } from '../src/inference/cache/index.js';
import {
  openQueryStore,
  projectQueries,
  rankHardCases,
  similarQueries,
} from '../src/lifecycle/querylog/index.js';
import { latestImages } from '../src/lifecycle/querylog/_latest.js';
import { leadersOf } from '../src/lifecycle/querylog/_near-duplicates.js';
import { fillMiningLog } from './_mining-log.js';

const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    dims: { type: 'string', default: '1280' },
    clusters: { type: 'string', default: '40' },
    runs: { type: 'string', default: '3' },
    'store-url': { type: 'string', default: '' },
  },
});
const N = Number(args.n);
const DIMS = Number(args.dims);

async function median(fn: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < Number(args.runs); r++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

// The leader clustering `leadersOf` replaces: every hash against every leader so far.
function bruteLeaders(hashes: readonly string[]): number[] {
  const leaders: number[] = [];
  const out: number[] = [];
  for (const [i, h] of hashes.entries()) {
    const l = h === '' ? undefined : leaders.find((j) => hammingDistance(h, hashes[j]!) <= 4);
    if (l === undefined) leaders.push(i);
    out.push(l ?? i);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-bench-mining-'));
  const store = await openQueryStore({ dataDir: dir, storeUrl: args['store-url'] });
  try {
    const start = performance.now();
    await fillMiningLog(store, { n: N, dims: DIMS, clusters: Number(args.clusters) });
    console.log(
      `filled ${N} requests (${DIMS}-wide embeddings) in ${(performance.now() - start).toFixed(0)} ms`,
    );
    const rows = await latestImages(store);
    console.log(`${rows.length} distinct images`);
    const load = await median(() => latestImages(store));
    const line = (label: string, ms: number) =>
      console.log(
        `${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms  ×${(ms / load).toFixed(2)} of reading the rows`,
      );
    line('read the rows (latestImages, baseline)', load);
    line('rankHardCases({ limit: 50 })', await median(() => rankHardCases(store, { limit: 50 })));
    line('similarQueries(id, { k: 12 })', await median(() => similarQueries(store, rows[0]!.id, { k: 12 })));
    line('projectQueries({ limit: 5000 })', await median(() => projectQueries(store)));
    // Comparing every pair is quadratic: it gets the first 3000 images, and the index the same ones.
    const hashes = rows.map((r) => r.phash).slice(0, 3000);
    const indexed = await median(() => leadersOf(hashes));
    const brute = await median(() => bruteLeaders(hashes));
    console.log(
      `pHash near-duplicates of ${hashes.length} images: indexed ${indexed.toFixed(1)} ms, every pair ${brute.toFixed(0)} ms (×${(brute / indexed).toFixed(0)})`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
