// Benchmark (not a test): served latency for protocol-0.4 source-size challenges with the starter
// cascade, and whether 12 MP challenges slow 224² ones down. Loopback only; stops itself.
// Usage: node --max-semi-space-size=32 --import tsx bench/source-size.ts [--n 20] [--photo path.jpg]
//        [--cascade path/to/cascade.yaml]  (default: the starter cascade; e.g. a candidate from `train --bundle`)
//        [--burst 16]  (then: 3 bursts of 16 simultaneous 12 MP challenges from 16 validators, the
//                       process's peak resident memory sampled every 20 ms: what the tiles cost in RAM)
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { createDendrite, hotkeyFromSecret, imageSynapse, type Dendrite } from '../src/wire/protocol/index.js';
import { generateScene } from '../src/data/procedural/index.js';
import { createRng } from '../src/core/random/index.js';
import { startBenchMiner } from './_miner.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20' },
    photo: { type: 'string' },
    cascade: { type: 'string' },
    burst: { type: 'string', default: '0' },
  },
});
const N = Number(values.n);
const BURST = Number(values.burst);
const SIZES = [
  [224, 224],
  [1024, 1024],
  [1920, 1080],
  [4000, 3000],
] as const;
const SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** A real photo from ../shared/data when present (first positive), else a procedural street scene. */
async function sourcePhoto(): Promise<{ bytes: Buffer; what: string }> {
  if (values.photo !== undefined) return { bytes: readFileSync(values.photo), what: values.photo };
  const dir = join(import.meta.dirname, '../../shared/data/roadwork-real-train/pos');
  if (existsSync(dir)) {
    const name = readdirSync(dir)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .sort()[0];
    if (name !== undefined)
      return { bytes: readFileSync(join(dir, name)), what: `../shared/data/…/pos/${name}` };
  }
  const scene = generateScene(createRng('bench'), { roadwork: true, width: 640, height: 480 });
  const bytes = await sharp(scene.rgb, { raw: { width: 640, height: 480, channels: 3 } })
    .png()
    .toBuffer();
  return { bytes, what: 'a procedural scene' };
}

const dir = mkdtempSync(join(tmpdir(), 'roadwork-bench-size-'));
const miner = hotkeyFromSecret(`${SECRET}//Miner`);
const validators = [hotkeyFromSecret(`${SECRET}//Validator`), hotkeyFromSecret(`${SECRET}//Validator2`)];
// One validator per simultaneous challenge of a burst, as separate validators would send them.
const bursters = Array.from({ length: BURST }, (_, i) => hotkeyFromSecret(`${SECRET}//Burst${i}`));
// Every request must reach the model: the same image would otherwise be a cache hit.
const { miner: m, target } = await startBenchMiner({
  dir,
  miner,
  validators: [...validators, ...bursters],
  settings: { 'cache.kind': 'none', ...(values.cascade ? { 'cascade.config': values.cascade } : {}) },
});
const photo = await sourcePhoto();
const images = new Map<string, string>();
for (const [w, h] of SIZES) {
  const jpeg = await sharp(photo.bytes).resize(w, h, { fit: 'cover' }).jpeg({ quality: 75 }).toBuffer();
  images.set(`${w}x${h}`, jpeg.toString('base64'));
}

async function call(dendrite: Dendrite, key: string): Promise<number> {
  const t = performance.now();
  const r = await dendrite.call(target, imageSynapse(images.get(key)!), { timeoutS: 9 });
  if (!r.ok) throw new Error(`${key}: ${r.statusCode} ${r.statusMessage}`);
  return performance.now() - t;
}

function line(label: string, ms: number[], extra = ''): void {
  console.log(
    `${label.padEnd(30)} p50 ${quantile(ms, 0.5).toFixed(0).padStart(4)} ms, p99 ${quantile(ms, 0.99).toFixed(0).padStart(4)} ms${extra}`,
  );
}

async function series(dendrite: Dendrite, key: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await call(dendrite, key));
  return out;
}

try {
  const d224 = createDendrite({ signer: validators[0]! });
  await series(d224, '224x224', 3);
  console.log(
    `source image: ${photo.what}; ${N} requests per size, one at a time, ${values.cascade ?? 'starter cascade'}, cache off`,
  );
  console.log('size         body KB   p50 ms   p99 ms');
  for (const [w, h] of SIZES) {
    const key = `${w}x${h}`;
    const ms = await series(d224, key, N);
    const kb = Math.round((images.get(key)!.length * 3) / 4 / 1024);
    console.log(
      `${key.padEnd(12)} ${String(kb).padStart(7)} ${quantile(ms, 0.5).toFixed(0).padStart(8)} ${quantile(ms, 0.99).toFixed(0).padStart(8)}`,
    );
  }
  // 224² alone; then beside another validator's two back-to-back streams of 224² challenges (the same
  // model load), and of 12 MP ones: the difference between the last two is what source size costs.
  const alone = await series(d224, '224x224', N);
  const beside = async (key: string) => {
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    let stop = false;
    let done = 0;
    const others = Array.from({ length: 2 }, () => createDendrite({ signer: validators[1]! }));
    const load = others.map(async (d) => {
      while (!stop) {
        await call(d, key);
        done++;
      }
    });
    const ms = await series(d224, '224x224', N);
    stop = true;
    await Promise.all(load);
    loop.disable();
    for (const d of others) d.close();
    return { ms, done, loop };
  };
  const small = await beside('224x224');
  const large = await beside('4000x3000');
  line('224² alone', alone);
  line('224² beside 2 streams of 224²', small.ms, ` (${small.done} answered beside)`);
  line('224² beside 2 streams of 12 MP', large.ms, ` (${large.done} answered beside)`);
  for (const [label, r] of [
    ['224²', small],
    ['12 MP', large],
  ] as const) {
    console.log(
      `event-loop delay beside ${label.padEnd(6)} p50 ${(r.loop.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(r.loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(r.loop.max / 1e6).toFixed(1)} ms`,
    );
  }
  d224.close();
  if (BURST > 0) await bursts();
} finally {
  await m.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** Three bursts of BURST simultaneous 12 MP challenges; peak RSS against the RSS before the first. */
async function bursts(): Promise<void> {
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const dendrites = bursters.map((signer) => createDendrite({ signer }));
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    for (let round = 1; round <= 3; round++) {
      const ms = await Promise.all(dendrites.map((d) => call(d, '4000x3000')));
      line(`burst ${round}: ${BURST} × 12 MP at once`, ms, `, peak RSS ${mb(peak)} MB`);
    }
  } finally {
    clearInterval(sampler);
    for (const d of dendrites) d.close();
  }
  console.log(`RSS before the bursts ${mb(before)} MB, peak ${mb(peak)} MB (+${mb(peak - before)} MB)`);
}
