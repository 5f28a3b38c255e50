// The starter's MobileNetV2 on its two engines, in one run: tfjs-wasm vs the converted ONNX graph on
// onnxruntime — per view, images/s, a served challenge through the starter cascade, training batches.
// Run: node --max-semi-space-size=32 --import tsx bench/onnx-backbone.ts [--views N] [--only SECTIONS]
// (timings are noisy on a shared machine: compare the ratios, which are measured side by side.)
// Sections: load, views, images, train, spinning, workers, served.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createCascadePredictor, loadCascadeConfig } from '../src/inference/cascade/index.js';
import { decodeImage, type RgbImage, encodeJpeg } from '../src/inference/image/index.js';
import {
  RUNTIMES,
  type ImageEmbedder,
  type ModelRef,
  type RuntimeContext,
} from '../src/inference/runtimes/index.js';
import { loadTfjsEmbedder, tfjsRuntime } from '../src/inference/runtimes/tfjs/index.js';
import { generateScene } from '../src/data/procedural/index.js';
import { createRng } from '../src/core/random/index.js';

const VIEWS = Number(process.argv[process.argv.indexOf('--views') + 1]) || 40;
const ONLY = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]!.split(',')
  : undefined;
/** Whether to run a section: all without `--only load,views,images,train,spinning,workers,served`. */
const want = (section: string) => ONLY === undefined || ONLY.includes(section);
const STARTER = fileURLToPath(new URL('../models/starter/cascade.yaml', import.meta.url));
const logger = pino({ level: 'silent' });
const cacheDir = await mkdtemp(join(tmpdir(), 'bench-onnx-'));
const ctx = (workers: number, intraOpThreads = 0): RuntimeContext => ({
  cacheDir,
  offline: true,
  device: 'cpu',
  workers,
  intraOpThreads,
  logger,
});
const ref = (engine: 'wasm' | 'onnx'): ModelRef => ({
  runtime: 'tfjs',
  model: 'builtin:mobilenetv2',
  options: { extras: ['colour-shape'], engine },
});
const scenes: RgbImage[] = Array.from({ length: 64 }, (_, i) => {
  const s = generateScene(createRng(`bench-onnx-${i}`), { roadwork: i % 2 === 0, width: 224, height: 224 });
  return { width: s.width, height: s.height, data: s.rgb };
});
const soon = () => ({ deadlineMs: Date.now() + 600_000 });
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
const ms = (v: number) => `${v.toFixed(1)} ms`;
const load = () =>
  loadavg()
    .map((v) => v.toFixed(1))
    .join(' ');

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const out = await fn();
  return [out, performance.now() - t];
}

async function throughput(e: ImageEmbedder, batch: number, inFlight: number): Promise<number> {
  await e.embed(scenes.slice(0, batch), soon());
  const batches = Array.from({ length: Math.ceil(scenes.length / batch) }, (_, i) =>
    scenes.slice(i * batch, (i + 1) * batch),
  );
  const [, took] = await timed(async () => {
    // `inFlight` batches at a time, as `roadwork train` keeps one embedding while it renders the next.
    for (let i = 0; i < batches.length; i += inFlight) {
      await Promise.all(batches.slice(i, i + inFlight).map((b) => e.embed(b, soon())));
    }
  });
  return (scenes.length / took) * 1000;
}

async function withEmbedder<T>(
  r: ModelRef,
  c: RuntimeContext,
  fn: (e: ImageEmbedder) => Promise<T>,
): Promise<T> {
  const e = await loadTfjsEmbedder(r, c);
  try {
    return await fn(e);
  } finally {
    await e.close();
  }
}

console.log(`cores ${availableParallelism()}, ${VIEWS} timed views per row, load average ${load()}`);

if (want('load')) {
  // Loads: the first ONNX load converts the weights and caches the graph; later loads read the cache.
  const [, coldMs] = await timed(() => withEmbedder(ref('onnx'), ctx(1), async () => undefined));
  const [, warmMs] = await timed(() => withEmbedder(ref('onnx'), ctx(1), async () => undefined));
  const [, wasmLoadMs] = await timed(() => withEmbedder(ref('wasm'), ctx(1), async () => undefined));
  console.log(
    `\nload (1 worker): wasm ${ms(wasmLoadMs)}; onnx first (convert + cache) ${ms(coldMs)}, cached ${ms(warmMs)}`,
  );
}
if (want('views')) {
  // Per view: the engines loaded side by side and called in turn, view by view, so a change in the
  // machine's load hits every row alike.
  for (const extras of [true, false]) {
    const opts = (engine: string) => ({ ...(extras ? { extras: ['colour-shape'] } : {}), engine });
    const rows = [
      {
        name: 'tfjs-wasm     ',
        e: await loadTfjsEmbedder({ ...ref('wasm'), options: opts('wasm') }, ctx(1)),
      },
      {
        name: 'onnx 1 thread ',
        e: await loadTfjsEmbedder({ ...ref('onnx'), options: opts('onnx') }, ctx(1, 1)),
      },
      {
        name: 'onnx 2 threads',
        e: await loadTfjsEmbedder({ ...ref('onnx'), options: opts('onnx') }, ctx(1, 2)),
      },
    ];
    const lat = rows.map(() => [] as number[]);
    for (let i = -3; i < VIEWS; i++) {
      for (const [r, row] of rows.entries()) {
        const [, took] = await timed(() => row.e.embed([scenes[(i + 3) % scenes.length]!], soon()));
        if (i >= 0) lat[r]!.push(took);
      }
    }
    await Promise.all(rows.map((r) => r.e.close()));
    console.log(
      `\nper view, 1 worker, one image per call: ${extras ? 'the starter embedder (MobileNetV2 + colour-shape)' : 'MobileNetV2 alone'}`,
    );
    const base = pct(lat[0]!, 0.5);
    rows.forEach((row, r) =>
      console.log(
        `  ${row.name}  p50 ${ms(pct(lat[r]!, 0.5))}  p99 ${ms(pct(lat[r]!, 0.99))}${r === 0 ? '' : `   ${(base / pct(lat[r]!, 0.5)).toFixed(1)}× at p50`}`,
      ),
    );
  }
}
if (want('images')) {
  console.log(
    `\nimages/s, one call of ${scenes.length} images split over the workers (onnx threads = cores / workers)`,
  );
  for (const workers of [1, 2]) {
    const w = await withEmbedder(ref('wasm'), ctx(workers), (e) => throughput(e, scenes.length, 1));
    const o = await withEmbedder(ref('onnx'), ctx(workers), (e) => throughput(e, scenes.length, 1));
    console.log(
      `  ${workers} worker${workers > 1 ? 's' : ' '}  wasm ${w.toFixed(1)}  onnx ${o.toFixed(1)}   ${(o / w).toFixed(1)}×`,
    );
  }
}
if (want('train')) {
  console.log('\ntraining embedding (roadwork train: 2 workers, batches of 16, two in flight)');
  const trainWasm = await withEmbedder(ref('wasm'), ctx(2), (e) => throughput(e, 16, 2));
  const trainOnnx = await withEmbedder(ref('onnx'), ctx(2), (e) => throughput(e, 16, 2));
  console.log(
    `  wasm ${trainWasm.toFixed(1)} views/s  onnx ${trainOnnx.toFixed(1)} views/s   ${(trainOnnx / trainWasm).toFixed(1)}×`,
  );
}
if (want('spinning')) {
  // onnxruntime's spinning threads, on and off, where they matter: two threads per worker. Blocks
  // alternate on/off/on/off (not call by call: one embedder's spinning would slow the other's calls).
  console.log(
    '\nonnxruntime intra-op spinning (2 threads per worker): per view p50 one at a time / views/s as training',
  );
  for (const workers of [1, 2]) {
    const rows: Record<string, { lat: number[]; rate: number[] }> = {
      on: { lat: [], rate: [] },
      off: { lat: [], rate: [] },
    };
    for (const spin of [true, false, true, false]) {
      const r = { ...ref('onnx'), options: { ...ref('onnx').options, allowSpinning: spin } };
      await withEmbedder(r, ctx(workers, 2), async (e) => {
        for (let i = -3; i < VIEWS / 2; i++) {
          const [, took] = await timed(() => e.embed([scenes[(i + 3) % scenes.length]!], soon()));
          if (i >= 0) rows[spin ? 'on' : 'off']!.lat.push(took);
        }
        rows[spin ? 'on' : 'off']!.rate.push(await throughput(e, 16, 2));
      });
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [on, off] = [rows.on!, rows.off!];
    console.log(
      `  ${workers} worker${workers > 1 ? 's' : ' '}  spinning on ${ms(pct(on.lat, 0.5))} ${mean(on.rate).toFixed(1)}/s   off ${ms(pct(off.lat, 0.5))} ${mean(off.rate).toFixed(1)}/s   off/on views/s ${(mean(off.rate) / mean(on.rate)).toFixed(2)}×`,
    );
  }
}
const jpegs = await Promise.all(scenes.slice(0, 16).map((s) => encodeJpeg(s)));
const wasmRegistry = Object.freeze({
  ...RUNTIMES,
  tfjs: {
    ...tfjsRuntime,
    embedder: (r: ModelRef, c: RuntimeContext) =>
      loadTfjsEmbedder({ ...r, options: { ...r.options, engine: 'wasm' } }, c),
  },
});
const config = await loadCascadeConfig(STARTER);
/** The starter cascade on `engine` with `workers` workers (onnx threads: cores / workers). */
async function predictorFor(engine: 'wasm' | 'onnx', workers: number) {
  const predictor = createCascadePredictor(config, {
    runtime: ctx(workers),
    logger,
    ...(engine === 'wasm' ? { runtimes: wasmRegistry } : {}),
  });
  await predictor.start();
  return predictor;
}
/** One served challenge: decode the JPEG as the axon does, then predict. */
async function serve(predictor: Awaited<ReturnType<typeof predictorFor>>, k: number): Promise<number> {
  const jpeg = jpegs[k % jpegs.length]!;
  const [, took] = await timed(async () =>
    predictor.predict(await decodeImage(jpeg, predictor.input ? { policy: predictor.input } : {}), soon()),
  );
  return took;
}

// The worker/thread split on the ONNX engine (spinning off): the cores as one worker with all the
// threads, or one single-threaded worker per core. Blocks alternate between the two, four each.
if (want('workers')) {
  console.log(
    `\nonnx served challenge, 1 worker × ${availableParallelism()} threads vs ${availableParallelism()} workers × 1 thread`,
  );
  const split = [await predictorFor('onnx', 1), await predictorFor('onnx', availableParallelism())];
  for (const inFlight of [1, 4]) {
    const lat: number[][] = [[], []];
    const rate: number[][] = [[], []];
    for (let round = -1; round < 4; round++) {
      for (const [k, predictor] of split.entries()) {
        let next = 0;
        const t = performance.now();
        const lane = async () => {
          while (next < VIEWS / 2) {
            const took = await serve(predictor, next++);
            if (round >= 0) lat[k]!.push(took);
          }
        };
        await Promise.all(Array.from({ length: inFlight }, lane));
        if (round >= 0) rate[k]!.push((VIEWS / 2 / (performance.now() - t)) * 1000);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const row = (k: number) =>
      `p50 ${ms(pct(lat[k]!, 0.5))} p99 ${ms(pct(lat[k]!, 0.99))} ${mean(rate[k]!).toFixed(1)}/s`;
    console.log(`  ${inFlight} in flight   1 worker: ${row(0)}   per-core workers: ${row(1)}`);
  }
  await Promise.all(split.map((p) => p.close()));
}

if (want('served')) {
  console.log(
    '\nserved challenge (starter cascade: decode a 224² JPEG + predict with hflip TTA), one at a time',
  );
  for (const workers of [1, 2]) {
    // Both predictors up at once, challenges alternating between them (see the per-view rows).
    const both = [await predictorFor('wasm', workers), await predictorFor('onnx', workers)];
    const lat: number[][] = [[], []];
    for (let i = -3; i < VIEWS; i++) {
      for (const [k, predictor] of both.entries()) {
        const took = await serve(predictor, i + 3);
        if (i >= 0) lat[k]!.push(took);
      }
    }
    await Promise.all(both.map((p) => p.close()));
    const [w, o] = lat.map((l) => ({ p50: pct(l, 0.5), p99: pct(l, 0.99) })) as [
      { p50: number; p99: number },
      { p50: number; p99: number },
    ];
    console.log(
      `  ${workers} worker${workers > 1 ? 's' : ' '}  wasm p50 ${ms(w.p50)} p99 ${ms(w.p99)}   onnx p50 ${ms(o.p50)} p99 ${ms(o.p99)}   ${(w.p50 / o.p50).toFixed(1)}× at p50`,
    );
  }
}
console.log(`\nload average at the end ${load()}`);
await rm(cacheDir, { recursive: true, force: true });
