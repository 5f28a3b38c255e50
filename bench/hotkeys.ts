// Benchmark (not a test): several hotkeys on one machine, in one run — 1 hotkey, N hotkeys in one process
// (miner.hotkeys: one model pool, one cache), N processes of one hotkey each. Resident memory (the
// processes' summed RSS, workers included) and answered requests/s at a fixed total concurrency on
// loopback, under two traffic patterns:
//   round:    each image goes to every served hotkey, as a validator's round queries every miner UID;
//   distinct: every request carries an image never sent before (no cache can help).
// Usage: node --import tsx bench/hotkeys.ts [--hotkeys 4] [--concurrency 8] [--seconds 12] [--warmup 3]
//        [--images 200]  (the round pattern's pool; distinct uses 3×: large enough and no image repeats, so
//        the answer cache never answers and only the model's work is shared)
// Each configuration runs `--seconds` of load per pattern (2 × 12 s by default, within 30 s).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hotkeyFromSecret } from '../src/wire/wallet/index.js';
import { cpuSeconds, rssMb, startChildMiner, type ChildMiner } from './_child-miner.js';
import { sceneImages } from './_images.js';
import { answered, exchange, quantile, signWire, sleep, type Target } from './_traffic.js';

const SEED = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const secretOf = (i: number) => `${SEED}//BenchMiner${i}`;
const VALIDATOR = hotkeyFromSecret(`${SEED}//Validator`);

type Pattern = 'round' | 'distinct';

interface Options {
  readonly hotkeys: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly warmup: number;
  /** Images in the round pattern's pool (distinct: 3×). */
  readonly images: number;
}

interface Served {
  readonly processes: ChildMiner[];
  readonly targets: Target[];
  readonly dirs: string[];
}

interface Cell {
  readonly config: string;
  readonly pattern: Pattern;
  readonly answered: number;
  readonly failed: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuMsPerAnswer: number;
  readonly rssMb: number;
  readonly peakRssMb: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      hotkeys: { type: 'string', default: '4' },
      concurrency: { type: 'string', default: '8' },
      seconds: { type: 'string', default: '12' },
      warmup: { type: 'string', default: '3' },
      images: { type: 'string', default: '200' },
    },
  });
  const o = {
    hotkeys: Number(values.hotkeys),
    concurrency: Number(values.concurrency),
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    images: Number(values.images),
  };
  if (!Number.isInteger(o.images) || o.images < 10) throw new Error('--images: a whole number, 10 or more');
  if (2 * (o.seconds + o.warmup) > 30)
    throw new Error('Keep a configuration within 30 s: 2 × (seconds + warmup) ≤ 30');
  return o;
}

/** A port free now (the child binds it a moment later; on loopback nothing else races for it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function start(
  miner: number,
  dirs: string[],
  settings: Record<string, string | number> = {},
): Promise<ChildMiner> {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-bench-hotkeys-'));
  dirs.push(dir);
  return startChildMiner({
    dir,
    minerSecret: secretOf(miner),
    miner: hotkeyFromSecret(secretOf(miner)),
    validators: [VALIDATOR],
    // One validator sends everything here: the per-caller cap must not be what is measured.
    settings: { 'limits.max_per_caller': 64, ...settings },
    startTimeoutMs: 180_000,
  });
}

async function serveOne(): Promise<Served> {
  const dirs: string[] = [];
  const p = await start(0, dirs);
  return { processes: [p], targets: [{ port: p.port, hotkey: p.target.hotkey }], dirs };
}

async function serveTogether(n: number): Promise<Served> {
  const extra: { secret: string; port: number }[] = [];
  for (let i = 1; i < n; i++) extra.push({ secret: secretOf(i), port: await freePort() });
  const dirs: string[] = [];
  const p = await start(0, dirs, { 'miner.hotkeys': JSON.stringify(extra) });
  const targets = [
    { port: p.port, hotkey: p.target.hotkey },
    ...extra.map((e) => ({ port: e.port, hotkey: hotkeyFromSecret(e.secret).ss58 })),
  ];
  return { processes: [p], targets, dirs };
}

async function serveApart(n: number): Promise<Served> {
  // One after another: four model loads at once on two cores would only time out.
  const dirs: string[] = [];
  const processes: ChildMiner[] = [];
  for (let i = 0; i < n; i++) processes.push(await start(i, dirs));
  return { processes, targets: processes.map((p) => ({ port: p.port, hotkey: p.target.hotkey })), dirs };
}

/** Jobs in order: each image to every target (round), or each target a new image (distinct). */
function jobs(pattern: Pattern, targets: readonly Target[], images: readonly string[]) {
  let next = 0;
  return (): { target: Target; image: string } => {
    const i = next++;
    const target = targets[i % targets.length]!;
    const imageIndex = pattern === 'round' ? Math.floor(i / targets.length) : i;
    return { target, image: images[imageIndex % images.length]! };
  };
}

async function load(
  served: Served,
  take: () => { target: Target; image: string },
  o: { concurrency: number; seconds: number },
): Promise<{ latencies: number[]; failed: number; wallS: number; cpuS: number; peakRssMb: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const pids = served.processes.map((p) => p.pid);
  const rss = () => pids.reduce((n, pid) => n + rssMb(pid), 0);
  const cpu = () => pids.reduce((n, pid) => n + cpuSeconds(pid), 0);
  let peak = rss();
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), 200);
  const latencies: number[] = [];
  let failed = 0;
  const cpu0 = cpu();
  const t0 = performance.now();
  const until = t0 + o.seconds * 1000;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (performance.now() < until) {
        const { target, image } = take();
        const out = await exchange(target.port, signWire(VALIDATOR, target, image), { agent });
        if (answered(out)) latencies.push(out.ms);
        else failed++;
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  agent.destroy();
  return { latencies, failed, wallS, cpuS: cpu() - cpu0, peakRssMb: Math.max(peak, rss()) };
}

async function measure(config: string, served: Served, o: Options): Promise<Cell[]> {
  const cells: Cell[] = [];
  const rss = () => served.processes.reduce((n, p) => n + rssMb(p.pid), 0);
  for (const pattern of ['round', 'distinct'] as const) {
    // Images of their own per configuration and pattern, so no cache holds them from an earlier cell.
    const images = await sceneImages(pattern === 'round' ? o.images : 3 * o.images, `${config}-${pattern}`);
    const take = jobs(pattern, served.targets, images);
    await load(served, take, { concurrency: o.concurrency, seconds: o.warmup });
    const r = await load(served, take, o);
    const n = r.latencies.length;
    cells.push({
      config,
      pattern,
      answered: n,
      failed: r.failed,
      perSecond: n / r.wallS,
      p50: quantile(r.latencies, 0.5),
      p99: quantile(r.latencies, 0.99),
      cpuMsPerAnswer: n === 0 ? NaN : (r.cpuS * 1000) / n,
      rssMb: rss(),
      peakRssMb: r.peakRssMb,
    });
    if (n > 0 && n / served.targets.length >= images.length)
      process.stderr.write(`warning: ${config} ${pattern} used every image more than once\n`);
  }
  return cells;
}

async function run(): Promise<void> {
  const o = options();
  const n = o.hotkeys;
  const configs: [string, () => Promise<Served>][] = [
    ['1 hotkey', serveOne],
    [`${n} hotkeys, 1 process`, () => serveTogether(n)],
    [`${n} processes`, () => serveApart(n)],
  ];
  const cells: Cell[] = [];
  const idle = new Map<string, number>();
  for (const [config, serve] of configs) {
    const served = await serve();
    try {
      await sleep(1000);
      idle.set(
        config,
        served.processes.reduce((s, p) => s + rssMb(p.pid), 0),
      );
      cells.push(...(await measure(config, served, o)));
    } finally {
      await Promise.all(served.processes.map((p) => p.stop()));
      for (const d of served.dirs) rmSync(d, { recursive: true, force: true });
    }
  }
  report(cells, idle, o);
}

function report(cells: readonly Cell[], idle: ReadonlyMap<string, number>, o: Options): void {
  const out = process.stdout;
  out.write(
    `\nbench/hotkeys.ts: ${o.hotkeys} hotkeys, concurrency ${o.concurrency} in total, ${o.seconds} s per cell ` +
      `after ${o.warmup} s warm-up, loopback, the default starter cascade and memory cache\n\n`,
  );
  out.write('memory (summed RSS of the miner processes, MiB)\n');
  const base = idle.get('1 hotkey') ?? NaN;
  for (const [config, mb] of idle) {
    const peak = Math.max(...cells.filter((c) => c.config === config).map((c) => c.peakRssMb));
    out.write(
      `  ${config.padEnd(22)} idle ${mb.toFixed(0).padStart(5)}  peak under load ${peak.toFixed(0).padStart(5)}  (idle × ${(mb / base).toFixed(2)} of 1 hotkey)\n`,
    );
  }
  for (const pattern of ['round', 'distinct'] as const) {
    out.write(`\nthroughput, pattern ${pattern}\n`);
    const rows = cells.filter((c) => c.pattern === pattern);
    const ref = rows.find((c) => c.config === '1 hotkey')?.perSecond ?? NaN;
    for (const c of rows) {
      out.write(
        `  ${c.config.padEnd(22)} ${c.perSecond.toFixed(1).padStart(6)} answered/s (× ${(c.perSecond / ref).toFixed(2)})` +
          `  p50 ${c.p50.toFixed(0).padStart(4)} ms  p99 ${c.p99.toFixed(0).padStart(5)} ms` +
          `  miner CPU ${c.cpuMsPerAnswer.toFixed(1)} ms/answer  failed ${c.failed}\n`,
      );
    }
  }
}

await run();
