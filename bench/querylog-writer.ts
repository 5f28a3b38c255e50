// Benchmark: the query log writer's own cost per request of a distinct 224² image (not a test): CPU (user
// and kernel) and event-loop time from offer() to the rows committed, SQLite in a temporary data_dir.
// The pHash comes with each request, as the default prediction cache hands it over.
//
//   node --import tsx bench/querylog-writer.ts [--n 1000] [--rounds 3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/core/clock/index.js';
import { silentLogger } from '../src/core/log/index.js';
import { createMetrics } from '../src/core/metrics/index.js';
import { perceptualHash } from '../src/inference/cache/index.js';
import { decodeBase64Image } from '../src/inference/image/index.js';
import { QueryLogWriter, openQueryStore, queryImagesDir } from '../src/lifecycle/querylog/index.js';
import type { AnsweredRequest } from '../src/wire/axon/index.js';
import { distinctSceneImages } from './_images.js';

const { values: args } = parseArgs({
  options: { n: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '3' } },
});
const N = Number(args.n);
const ROUNDS = Number(args.rounds);

async function requests(images: readonly string[]): Promise<AnsweredRequest[]> {
  const out: AnsweredRequest[] = [];
  for (const [i, image] of images.entries()) {
    const decoded = await decodeBase64Image(image);
    out.push({
      id: `r${i}`,
      synapse: 'ImageSynapse',
      receivedAtMs: Date.now(),
      validator: { hotkey: '5Validator', version: 42, generation: '0.4.x', stake: 1000 },
      image,
      decoded,
      phash: perceptualHash(decoded),
      prediction: 0.5,
      modelVersion: 'bench',
      stages: [{ stage: 'head', probability: 0.5, ms: 1 }],
      timings: { receiveMs: 1, verifyMs: 1, queueMs: 0, decodeMs: 1, predictMs: 1, totalMs: 4 },
    });
  }
  return out;
}

/** Offers every request, flushes, and returns ms per request: wall, CPU, kernel CPU, event loop busy. */
async function round(reqs: readonly AnsweredRequest[]): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-bench-writer-'));
  const place = { storeUrl: '', dataDir: dir };
  const store = await openQueryStore(place);
  try {
    const writer = new QueryLogWriter(store, {
      queueSize: reqs.length,
      imagesDir: queryImagesDir(place),
      clock: systemClock(),
      logger: silentLogger(),
      metrics: createMetrics({ processMetrics: false }),
    });
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    for (const r of reqs) writer.offer(r);
    await writer.flush();
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const per = (x: number) => x / reqs.length;
    return {
      wall: per(wall),
      cpu: per((cpu.user + cpu.system) / 1000),
      kernel: per(cpu.system / 1000),
      loop: per(elu.active),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pool = await requests(await distinctSceneImages(N * ROUNDS, 'bench-writer'));
const results: Record<string, number>[] = [];
for (let r = 0; r < ROUNDS; r++) results.push(await round(pool.slice(r * N, (r + 1) * N)));
const f = (x: number) => x.toFixed(3);
console.log(
  `query log writer, ${N} distinct 224² JPEGs a round, ${ROUNDS} rounds; ms per request, median [min–max]`,
);
for (const key of ['wall', 'cpu', 'kernel', 'loop']) {
  const xs = results.map((r) => r[key]!).sort((a, b) => a - b);
  console.log(`  ${key.padEnd(7)} ${f(xs[Math.floor(xs.length / 2)]!)} [${f(xs[0]!)}–${f(xs.at(-1)!)}]`);
}
console.log(JSON.stringify({ bench: 'querylog-writer', n: N, rounds: ROUNDS, results }));
