// Benchmark of the cascade (not a test): raw backbone throughput vs served, micro-batching on and off.
// Usage: node --import tsx bench/cascade.ts [--seconds 8]. Exits vs every stage: bench/cascade-exits.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { buildMiner } from '../src/app/index.js';
import { writeLocalMetagraph } from '../src/local/index.js';
import { loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { createDendrite, hotkeyFromSecret, imageSynapse } from '../src/protocol/index.js';
import { loadModel } from '../src/runtimes/index.js';
import { generateScene } from '../src/synth/index.js';
import { createRng } from '../src/validator/index.js';
import { convEmbedderModel } from '../test/fixtures/onnx-models.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' } },
});
const SECONDS = Number(values.seconds);
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
  await writeLocalMetagraph(metagraphFile, { validators: [validator], miner, stake: 50_000 });
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

try {
  const a = await rawThroughput();
  console.log(`(a) raw backbone (3 conv @224², ${WORKERS} workers): ${a.toFixed(1)} img/s`);
  const on = await served(true);
  console.log(
    `(b) served, ${CALLERS} signed callers, batching on: ${on.toFixed(1)} img/s = ${((100 * on) / a).toFixed(1)} % of (a) (goal ≥ 90 %)`,
  );
  const off = await served(false);
  console.log(`(c) batching off: ${off.toFixed(1)} img/s; on/off = ${(on / off).toFixed(2)}×`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
