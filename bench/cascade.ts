// Benchmark of the cascade (not a test): raw backbone throughput vs served, micro-batching, exits vs all stages.
// Usage: node --import tsx bench/cascade.ts [--seconds 8] [--images 200]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { buildMiner } from '../src/app/index.js';
import { createCascadePredictor, parseCascadeConfig, type CascadeStageResult } from '../src/cascade/index.js';
import { buildMetagraph, writeMetagraphFile } from '../src/chain/index.js';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { createDendrite, hotkeyFromSecret, imageSynapse } from '../src/protocol/index.js';
import { loadModel } from '../src/runtimes/index.js';
import { generateScene } from '../src/synth/index.js';
import { createRng } from '../src/validator/index.js';
import { convEmbedderModel } from '../test/fixtures/onnx-models.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, images: { type: 'string', default: '200' } },
});
const SECONDS = Number(values.seconds);
const IMAGES = Number(values.images);
const WORKERS = 2;
const CALLERS = 16;
const BASELINE = fileURLToPath(new URL('../models/baseline/model.onnx', import.meta.url));
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

/** (a) The backbone alone: one image per worker in flight, back to back. */
async function rawThroughput(): Promise<number> {
  const embedder = await loadModel(
    'embedder',
    { runtime: 'onnx', model: join(dir, 'backbone.onnx') },
    runtime,
  );
  const until = Date.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      for (let i = w; Date.now() < until; i += WORKERS, done++)
        await embedder.embed([scenes[i % scenes.length]!], { deadlineMs: Date.now() + 10_000 });
    }),
  );
  await embedder.close();
  return done / SECONDS;
}

/** (b)/(c) The same backbone behind the axon, 16 signed callers, batching on or off. */
async function served(batch: boolean): Promise<number> {
  const miner = hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Miner',
  );
  const validator = hotkeyFromSecret(
    'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Validator',
  );
  const metagraphFile = join(dir, 'metagraph.json');
  await writeMetagraphFile(
    metagraphFile,
    buildMetagraph(
      72,
      1,
      [
        { uid: 0, hotkey: validator.ss58, stake: 50_000, validatorPermit: true, axon: null },
        {
          uid: 1,
          hotkey: miner.ss58,
          stake: 0,
          validatorPermit: false,
          axon: { ip: '127.0.0.1', port: 8091 },
        },
      ],
      Date.now(),
    ),
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
  const settings = loadConfig({
    defaults: {
      'axon.host': '127.0.0.1',
      'axon.port': 0,
      'metagraph.file': metagraphFile,
      data_dir: dir,
      'cascade.config': cascadeFile,
      'cache.kind': 'none',
      'model.workers': WORKERS,
      'limits.max_in_flight': 64,
    },
    env: {},
  });
  const m = await buildMiner(settings, logger, { signer: miner });
  const address = await m.start();
  const jpegs = await Promise.all(
    scenes.map((s) =>
      sharp(s.data, { raw: { width: 224, height: 224, channels: 3 } })
        .jpeg({ quality: 75 })
        .toBuffer(),
    ),
  );
  const target = { ip: '127.0.0.1', port: address.port, hotkey: miner.ss58 };
  const dendrite = createDendrite({ signer: validator });
  const run = async (seconds: number) => {
    const until = Date.now() + seconds * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, c) => {
        for (let i = c; Date.now() < until; i += CALLERS) {
          const r = await dendrite.call(target, imageSynapse(jpegs[i % jpegs.length]!.toString('base64')), {
            timeoutS: 9,
          });
          if (!r.ok) throw new Error(`call failed: ${r.statusCode} ${r.statusMessage}`);
          done++;
        }
      }),
    );
    return done / seconds;
  };
  await run(1);
  const rate = await run(SECONDS);
  dendrite.close();
  await m.stop();
  return rate;
}

/** (d) Mean compute per image and accuracy: stage 1 with exits vs every stage on every image. */
async function exitsVsAll(): Promise<{
  exits: { ms: number; acc: number; exitRate: number };
  all: { ms: number; acc: number };
}> {
  const images = Array.from({ length: IMAGES }, (_, i) => {
    const s = generateScene(createRng(`eval:${i}`), { roadwork: i % 2 === 0, width: 224, height: 224 });
    return { image: { data: s.rgb, width: s.width, height: s.height }, label: s.label };
  });
  const measure = async (exit: unknown) => {
    const config = parseCascadeConfig({
      tta: ['identity', 'hflip', 'vflip'],
      stages: [
        { name: 'fast', kind: 'classifier', model: BASELINE, tta: false, exit },
        {
          name: 'slow',
          kind: 'backbone-head',
          embedder: { model: join(dir, 'backbone.onnx') },
          head: join(dir, 'head.json'),
          weight: 0,
        },
        { name: 'tta', kind: 'classifier', model: BASELINE },
      ],
    });
    const cascade = createCascadePredictor(config, { runtime, logger });
    await cascade.start();
    let ms = 0;
    let correct = 0;
    let exited = 0;
    for (const { image, label } of images) {
      const p = await cascade.predict(image, { deadlineMs: Date.now() + 9000 });
      const stages = p.stages as CascadeStageResult[];
      ms += stages.reduce((s, r) => s + r.ms, 0);
      if (stages.some((s) => s.exit)) exited++;
      if ((p.probability >= 0.5 ? 1 : 0) === label) correct++;
    }
    await cascade.close();
    return { ms: ms / images.length, acc: correct / images.length, exitRate: exited / images.length };
  };
  return { exits: await measure({ high: 0.7, low: 0.3 }), all: await measure(false) };
}

try {
  const a = await rawThroughput();
  console.log(`(a) raw backbone (3 conv @224², ${WORKERS} workers): ${a.toFixed(1)} img/s`);
  const on = await served(true);
  console.log(
    `(b) served, ${CALLERS} signed callers, batching on: ${on.toFixed(1)} img/s = ${((100 * on) / a).toFixed(1)} % of (a) (goal ≥ 90 %)`,
  );
  const off = await served(false);
  console.log(`(c) batching off: ${off.toFixed(1)} img/s; on/off = ${(on / off).toFixed(2)}×`);
  const d = await exitsVsAll();
  console.log(
    `(d) ${IMAGES} synthetic scenes: with exits ${d.exits.ms.toFixed(1)} ms/img, accuracy ${(100 * d.exits.acc).toFixed(1)} %, ${(100 * d.exits.exitRate).toFixed(0)} % exit at stage 1; ` +
      `all stages ${d.all.ms.toFixed(1)} ms/img, accuracy ${(100 * d.all.acc).toFixed(1)} %; compute ratio ${(d.exits.ms / d.all.ms).toFixed(2)}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
