// The kserve runtime's cost over in-process ONNX, in one run: per-call latency of the same model run by
// the onnx runtime (a worker thread) and by the kserve runtime against the local v2 test server (binary
// tensor data and JSON), the server running the model with onnxruntime-node in this same process.
// The ratio is the HTTP + serialisation overhead on loopback; a real Triton adds the network and its
// own scheduling, and takes the model's compute off this machine.
// Run: node --import tsx bench/kserve.ts [--calls N] [--rounds R]
import { loadavg } from 'node:os';
import { pino } from 'pino';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadModel, type ModelRef, type RuntimeContext } from '../src/inference/runtimes/index.js';
import { startV2Server } from '../src/inference/runtimes/kserve/_test-v2-server.js';
import { withDir } from '../src/inference/runtimes/_test-context.js';
import type { RgbImage } from '../src/inference/image/index.js';
import { convEmbedderModel, linearImageModel } from '../test/fixtures/onnx-models.js';

const arg = (name: string, fallback: number) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback;
const CALLS = arg('--calls', 10);
const ROUNDS = arg('--rounds', 4);
const ctx: RuntimeContext = {
  cacheDir: '/nonexistent',
  offline: true,
  device: 'cpu',
  workers: 1,
  logger: pino({ level: 'silent' }),
};
const MODELS = {
  backbone: convEmbedderModel(224),
  classifier: linearImageModel({ inputSize: 224, weights: [0.5, -0.2, 0.1], bias: 0 }),
};
const images: RgbImage[] = Array.from({ length: 8 }, (_, k) => {
  const data = new Uint8Array(224 * 224 * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + k * 97) & 255;
  return { data, width: 224, height: 224 };
});
const soon = () => ({ deadlineMs: Date.now() + 600_000 });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Call = () => Promise<unknown>;

await withDir(async (dir) => {
  const server = await startV2Server(MODELS);
  const refs = async (name: keyof typeof MODELS): Promise<Record<string, ModelRef>> => {
    const file = join(dir, `${name}.onnx`);
    await writeFile(file, MODELS[name]);
    return {
      onnx: { runtime: 'onnx', model: file },
      'kserve binary': { runtime: 'kserve', model: `${server.url}#${name}`, options: { binary: true } },
      'kserve json': { runtime: 'kserve', model: `${server.url}#${name}`, options: { binary: false } },
    };
  };
  const cases: { name: string; lanes: Record<string, Call>; close: () => Promise<void> }[] = [];
  for (const batch of [1, 8]) {
    const lanes: Record<string, Call> = {};
    const closers: (() => Promise<void>)[] = [];
    for (const [lane, ref] of Object.entries(await refs('backbone'))) {
      // JSON at batch 8 (1.2 M numbers each way) costs seconds a call and shows nothing batch 1 does not.
      if (batch > 1 && lane === 'kserve json') continue;
      const m = await loadModel('embedder', ref, ctx);
      lanes[lane] = () => m.embed(images.slice(0, batch), soon());
      closers.push(() => m.close());
    }
    cases.push({
      name: `backbone (3 convs, [N,64]), batch ${batch}`,
      lanes,
      close: async () => void (await Promise.all(closers.map((c) => c()))),
    });
  }
  {
    const lanes: Record<string, Call> = {};
    const closers: (() => Promise<void>)[] = [];
    for (const [lane, ref] of Object.entries(await refs('classifier'))) {
      const m = await loadModel('classifier', ref, ctx);
      lanes[lane] = () => m.classify(images[0]!, soon());
      closers.push(() => m.close());
    }
    cases.push({
      name: 'classifier (pool + logistic), one image',
      lanes,
      close: async () => void (await Promise.all(closers.map((c) => c()))),
    });
  }
  console.log(
    `kserve vs in-process onnx: ${CALLS} serial calls per lane per round, ${ROUNDS} rounds, load ${loadavg()[0]!.toFixed(1)}`,
  );
  for (const c of cases) {
    const perRound: Record<string, number[]> = {};
    const runMs: Record<string, number[]> = {};
    for (const call of Object.values(c.lanes)) for (let i = 0; i < 5; i++) await call(); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      // Lanes alternate inside a round, so a slow spell of the shared machine hits them alike.
      const lanes = Object.entries(c.lanes);
      for (const [lane, call] of r % 2 === 0 ? lanes : lanes.reverse()) {
        const [seen, t] = [server.infers.length, performance.now()];
        for (let i = 0; i < CALLS; i++) await call();
        (perRound[lane] ??= []).push((performance.now() - t) / CALLS);
        (runMs[lane] ??= []).push(...server.infers.slice(seen).map((r) => r.runMs));
      }
    }
    console.log(`\n${c.name}`);
    const base = median(perRound.onnx!);
    for (const [lane, xs] of Object.entries(perRound)) {
      const ratios = xs.map((x, i) => x / perRound.onnx![i]!);
      console.log(
        `  ${lane.padEnd(14)} ${median(xs).toFixed(2).padStart(7)} ms/call  (rounds ${xs.map((x) => x.toFixed(2)).join(' ')})  ratio to onnx ${median(ratios).toFixed(2)}×  (+${(median(xs) - base).toFixed(2)} ms)${runMs[lane]!.length > 0 ? `  server's model run ${median(runMs[lane]!).toFixed(2)} ms` : ''}`,
      );
    }
    await c.close();
  }
  await server.close();
});
