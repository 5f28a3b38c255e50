// Benchmark of the cascade (not a test): raw backbone throughput vs served, micro-batching on and off.
// Usage: npm run bench:cascade [-- --seconds 4 --rounds 5] (node --max-semi-space-size=32, as `roadwork` runs). Exits vs every stage: bench/cascade-exits.ts.
// The load generator runs in this process and shares its CPUs; each line also gives the process's CPU
// time per image (all threads: workers, event loop, signing client, garbage collector).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { silentLogger } from '../src/core/log/index.js';
import { createDendrite, hotkeyFromSecret, imageSynapse } from '../src/wire/protocol/index.js';
import { loadModel } from '../src/inference/runtimes/index.js';
import { generateScene } from '../src/data/procedural/index.js';
import { createRng } from '../src/core/random/index.js';
import { convEmbedderModel } from '../test/fixtures/onnx-models.js';
import { startBenchMiner } from './_miner.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '4' }, rounds: { type: 'string', default: '5' } },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
// The `roadwork` bin and `npm start` run node with a 32 MB young generation (docs/serve.md).
const semiSpace = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].find((a) =>
  a.startsWith('--max-semi-space-size'),
);
console.log(
  semiSpace
    ? `node ${semiSpace}`
    : 'node default young generation (roadwork runs with --max-semi-space-size=32)',
);
const WORKERS = 2;
const CALLERS = 16;
const dir = mkdtempSync(join(tmpdir(), 'bench-cascade-'));
const logger = silentLogger();
const runtime = { cacheDir: dir, offline: true, device: 'cpu' as const, workers: WORKERS, logger };

const scenes = Array.from({ length: 32 }, (_, i) => {
  const s = generateScene(createRng(`bench:${i}`), { roadwork: i % 2 === 0, width: 224, height: 224 });
  return { data: s.rgb, width: s.width, height: s.height };
});

writeFileSync(join(dir, 'backbone.onnx'), convEmbedderModel(224));
const weights = Array.from({ length: 64 }, (_, i) => Math.sin(i) * 0.1);
writeFileSync(
  join(dir, 'head.json'),
  JSON.stringify({
    format: 'roadwork-head',
    version: 1,
    type: 'logistic',
    inputDims: 64,
    layers: [{ weights: [weights], bias: [0], activation: 'none' }],
    temperature: 1,
    shift: 0,
  }),
);

interface Rate {
  readonly perSecond: number;
  /** Process CPU (user + system, every thread) per image, ms. */
  readonly cpuMs: number;
}

async function measure(seconds: number, load: (until: number) => Promise<number>): Promise<Rate> {
  const cpu = process.cpuUsage();
  const done = await load(Date.now() + seconds * 1000);
  const used = process.cpuUsage(cpu);
  return { perSecond: done / seconds, cpuMs: (used.user + used.system) / 1000 / done };
}

/** A way to load the machine for a while, counting images done, and to stop it. */
interface Load {
  run(until: number): Promise<number>;
  close(): Promise<void>;
}

/** (a) The backbone alone: one image per worker in flight, back to back. */
async function rawLoad(): Promise<Load> {
  const embedder = await loadModel(
    'embedder',
    { runtime: 'onnx', model: join(dir, 'backbone.onnx') },
    runtime,
  );
  return {
    run: async (until) => {
      let done = 0;
      await Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          for (let i = w; Date.now() < until; i += WORKERS, done++)
            await embedder.embed([scenes[i % scenes.length]!], { deadlineMs: Date.now() + 10_000 });
        }),
      );
      return done;
    },
    close: () => embedder.close(),
  };
}

/** (b)/(c) The same backbone behind the axon, 16 signed callers, batching on or off. */
async function servedLoad(batch: boolean): Promise<Load> {
  const miner = hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Miner',
  );
  const validator = hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Validator',
  );
  const cascadeFile = join(dir, `cascade-${batch}.json`);
  writeFileSync(
    cascadeFile,
    JSON.stringify({
      stages: [
        {
          kind: 'backbone-head',
          embedder: { model: './backbone.onnx' },
          head: './head.json',
          exit: false,
          batch: batch ? { max: 16, wait_ms: 2 } : false,
        },
      ],
    }),
  );
  const { miner: m, target } = await startBenchMiner({
    dir,
    miner,
    validators: [validator],
    logger,
    settings: {
      'cascade.config': cascadeFile,
      'cache.kind': 'none',
      'model.workers': WORKERS,
      'limits.max_in_flight': 64,
      // All callers sign with one validator hotkey, far above a real validator's share.
      'limits.max_per_caller': CALLERS,
    },
  });
  const images = await Promise.all(
    scenes.map(async (s) =>
      (
        await sharp(s.data, { raw: { width: 224, height: 224, channels: 3 } })
          .jpeg({ quality: 75 })
          .toBuffer()
      ).toString('base64'),
    ),
  );
  // One dendrite (uuid) per caller, as validators are separate machines: the axon requires each uuid's
  // nonces to arrive in increasing order, which concurrent calls from one dendrite do not guarantee.
  // Every call is still signed afresh with a new nonce and verified by the axon.
  const dendrites = Array.from({ length: CALLERS }, () => createDendrite({ signer: validator }));
  const load = async (until: number): Promise<number> => {
    let done = 0;
    await Promise.all(
      dendrites.map(async (dendrite, c) => {
        for (let i = c; Date.now() < until; i += CALLERS) {
          const r = await dendrite.call(target, imageSynapse(images[i % images.length]!), { timeoutS: 9 });
          if (!r.ok) throw new Error(`call failed: ${r.statusCode} ${r.statusMessage}`);
          done++;
        }
      }),
    );
    return done;
  };
  await load(Date.now() + 1000);
  return {
    run: load,
    close: async () => {
      for (const dendrite of dendrites) dendrite.close();
      await m.stop();
    },
  };
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

// The three are measured in alternating windows, so that a slow spell of this shared machine hits
// each alike: the ratios come from windows next to each other, and the medians are reported.
const loads: Load[] = [];
try {
  const raw = await rawLoad();
  loads.push(raw);
  const on = await servedLoad(true);
  loads.push(on);
  const off = await servedLoad(false);
  loads.push(off);
  const rows: { a: Rate; b: Rate; c: Rate }[] = [];
  const cpu = (r: Rate): string => `${r.cpuMs.toFixed(1)} ms`;
  for (let round = 0; round < ROUNDS; round++) {
    const a = await measure(SECONDS, raw.run);
    const b = await measure(SECONDS, on.run);
    const c = await measure(SECONDS, off.run);
    rows.push({ a, b, c });
    console.log(
      `round ${round + 1}: (a) ${a.perSecond.toFixed(1)} img/s, CPU ${cpu(a)}/img; (b) ${b.perSecond.toFixed(1)} ` +
        `= ${((100 * b.perSecond) / a.perSecond).toFixed(1)} % of (a), CPU ${cpu(b)}; (c) ${c.perSecond.toFixed(1)}, ` +
        `on/off ${(b.perSecond / c.perSecond).toFixed(2)}×, CPU ${cpu(c)}`,
    );
  }
  const m = (f: (r: (typeof rows)[number]) => number) => median(rows.map(f));
  console.log(
    `(a) raw backbone (3 conv @224², ${WORKERS} workers): median ${m((r) => r.a.perSecond).toFixed(1)} img/s`,
  );
  console.log(
    `(b) served, ${CALLERS} signed callers, batching on: median ${m((r) => r.b.perSecond).toFixed(1)} img/s; ` +
      `median ratio ${(100 * m((r) => r.b.perSecond / r.a.perSecond)).toFixed(1)} % of (a) (goal ≥ 90 %)`,
  );
  console.log(
    `(c) batching off: median ${m((r) => r.c.perSecond).toFixed(1)} img/s; median on/off ${m((r) => r.b.perSecond / r.c.perSecond).toFixed(2)}×`,
  );
} finally {
  for (const load of loads) await load.close();
  rmSync(dir, { recursive: true, force: true });
}
