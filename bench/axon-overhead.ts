// Benchmark: the axon's own cost per request (model excluded) against a bare node:http server (not a test).
// Usage: node --import tsx bench/axon-overhead.ts [--n 3000] [--warmup 500] [--cell-seconds 60] [--max-seconds 300]
//        [--answered-hook]  (an onAnswered hook keeping the last 1000 records, as a query log's queue would)
//        [--querylog [--rounds 3]]  (a second miner with the real query log on, SQLite in a temporary data_dir;
//        its cells alternate with the plain axon's, round after round, and the two are compared round by round)
//        [--model mean|starter]  (mean: a pixel average instead of the model; starter: the bundled starter
//        cascade in both miners, what an operator runs, so the log's cost is seen beside a real model's)
// Every request sends its own image (a pool built before any cell); with --querylog no image repeats across
// cells either, so each logged request writes a new file, as distinct validator traffic does. Run under
// `node --expose-gc` to collect garbage before each axon cell (the two miners share one heap).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Histogram } from 'prom-client';
import type { AnsweredRequest } from '../src/wire/axon/index.js';
import type { QueryLogWriter } from '../src/lifecycle/querylog/index.js';
import { createMetrics, type Metrics } from '../src/core/metrics/index.js';
import type { Predictor } from '../src/inference/cascade/types.js';
import { perceptualHash } from '../src/inference/cache/index.js';
import { hotkeyFromSecret } from '../src/wire/protocol/index.js';
import type { CellResult, CellSpec, FromClient, ToClient } from './_axon-client.js';
import { startBenchMiner } from './_miner.js';

const MINER_SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Miner';
const VALIDATOR_SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Validator';
const CONCURRENCY = [1, 16] as const;
const GOAL_P50_MS = 2;
// Every 61st byte: a prime, so the sample walks across all three channels.
const PIXEL_STRIDE = 61;
// 10 µs to 10 s in 15 % steps: interpolated quantiles within a few percent, at ~100 bounds per observe.
const FINE_BUCKETS = Array.from({ length: 100 }, (_, i) => 1e-5 * 1.15 ** i);

interface Options {
  readonly n: number;
  readonly warmup: number;
  readonly cellSeconds: number;
  readonly maxSeconds: number;
  readonly answeredHook: boolean;
  readonly querylog: boolean;
  readonly rounds: number;
  /** `mean`: a pixel average stands in for the model (the axon's own cost); `starter`: the bundled cascade. */
  readonly model: 'mean' | 'starter';
}

interface Phase {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

interface Cell {
  readonly target: CellSpec['target'];
  readonly round: number;
  readonly concurrency: number;
  readonly completed: number;
  readonly failed: number;
  readonly firstFailure?: string;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly reqPerS: number;
  readonly serverCpuMsPerReq: number;
  readonly clientCpuMsPerReq: number;
  readonly serverLoopUtilization: number;
  readonly signMs: number;
  readonly phases: Record<string, Phase>;
  /** The query log's work in this cell: requests written and dropped, and its backlog's write after the cell. */
  readonly querylog?: { readonly logged: number; readonly dropped: number; readonly backlogMs: number };
}

/** What a cell does around its timed part, on the server side. */
interface CellHooks {
  /** After the warm-up, before timing: the two miners start the timed part equally idle. */
  readonly settle?: () => Promise<void>;
  /** After the timed part; its CPU is charged to the cell (the query log writing its backlog). */
  readonly finish?: () => Promise<Cell['querylog']>;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '3000' },
      warmup: { type: 'string', default: '500' },
      'cell-seconds': { type: 'string', default: '60' },
      'max-seconds': { type: 'string', default: '300' },
      'answered-hook': { type: 'boolean', default: false },
      querylog: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      model: { type: 'string', default: 'mean' },
    },
  });
  if (values.model !== 'mean' && values.model !== 'starter')
    throw new Error(`Invalid --model: ${values.model}; use mean or starter`);
  const int = (name: string, v: string, min: number): number => {
    const x = Number(v);
    if (!Number.isInteger(x) || x < min) throw new Error(`Invalid --${name}: ${v}; use an integer ≥ ${min}`);
    return x;
  };
  return {
    n: int('n', values.n, 100),
    warmup: int('warmup', values.warmup, 16),
    cellSeconds: int('cell-seconds', values['cell-seconds'], 1),
    maxSeconds: int('max-seconds', values['max-seconds'], 10),
    answeredHook: values['answered-hook'],
    querylog: values.querylog,
    rounds: int('rounds', values.rounds ?? (values.querylog ? '3' : '1'), 1),
    model: values.model,
  };
}

/**
 * Receives the decoded image like a model would, but only averages a sample of it: no model work. A full
 * pass over 150 528 bytes costs ~0.35 ms on this machine, which would be charged to the axon otherwise.
 * `hash`: also takes the image's perceptual hash, as the default prediction cache does (its key) before any
 * model runs; the query log then reuses it. Both miners of --querylog do it, as production miners would.
 */
function meanPredictor(o: { hash?: boolean } = {}): Predictor {
  return {
    start: async () => undefined,
    async predict(image) {
      const data = image.data;
      if (data.length !== image.width * image.height * 3) throw new Error('Not a packed RGB image');
      let sum = 0;
      let count = 0;
      for (let i = 0; i < data.length; i += PIXEL_STRIDE, count++) sum += data[i]!;
      const probability = sum / (count * 255);
      // As the default prediction cache does on every request (its key), and hands to the query log.
      if (o.hash === true)
        return { probability, modelVersion: 'bench-mean', imageHash: perceptualHash(image) };
      return { probability, modelVersion: 'bench-mean' };
    },
    status: () => ({ ready: true, modelVersion: 'bench-mean' }),
    close: async () => undefined,
  };
}

/** An onAnswered hook that keeps the last `size` records, as a query log's write queue would. */
function ringHook(size: number): (r: AnsweredRequest) => void {
  const ring: AnsweredRequest[] = [];
  let next = 0;
  return (r) => {
    ring[next] = r;
    next = (next + 1) % size;
  };
}

/** The miner's metrics, but with fine buckets on the two latency histograms the axon feeds. */
function benchMetrics(): Metrics {
  const base = createMetrics();
  const fine = <L extends string>(name: string, labelNames: readonly L[]) =>
    new Histogram<L>({ name, help: name, labelNames, buckets: FINE_BUCKETS, registers: [] });
  return {
    ...base,
    overheadSeconds: fine('roadwork_axon_phase_duration_seconds', ['hotkey', 'phase']),
    requestSeconds: fine('roadwork_axon_request_duration_seconds', ['hotkey', 'synapse', 'status']),
  };
}

/** Per label value of `key`: count, mean and bucket-interpolated p50/p99. */
async function histogramPhases(h: Histogram<string>, key: string): Promise<Record<string, Phase>> {
  const groups = new Map<string, { buckets: [number, number][]; sum: number; count: number }>();
  for (const v of (await h.get()).values) {
    const label = String(v.labels[key]);
    const g = groups.get(label) ?? { buckets: [], sum: 0, count: 0 };
    groups.set(label, g);
    if (v.metricName?.endsWith('_bucket')) g.buckets.push([Number(v.labels.le), v.value]);
    else if (v.metricName?.endsWith('_sum')) g.sum = v.value;
    else if (v.metricName?.endsWith('_count')) g.count = v.value;
  }
  const out: Record<string, Phase> = {};
  for (const [label, g] of groups) {
    if (g.count === 0) continue;
    const q = (p: number): number => {
      const rank = p * g.count;
      let lower = 0;
      let below = 0;
      for (const [le, cumulative] of g.buckets) {
        if (cumulative >= rank && le !== Infinity) {
          return (lower + ((rank - below) / Math.max(1, cumulative - below)) * (le - lower)) * 1000;
        }
        lower = le === Infinity ? lower : le;
        below = cumulative;
      }
      return lower * 1000;
    };
    out[label] = { count: g.count, meanMs: (g.sum / g.count) * 1000, p50Ms: q(0.5), p99Ms: q(0.99) };
  }
  return out;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** The do-nothing baseline: reads the body, answers a fixed small JSON. */
function bareServer(): Server {
  const answer = Buffer.from('{"prediction":0.5,"status_code":200}');
  return createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length });
      res.end(answer);
    });
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

/** Sends `message` and waits for the client's answer of type `expect`. */
function ask<T extends FromClient['type']>(
  child: ChildProcess,
  message: ToClient,
  expect: T,
): Promise<Extract<FromClient, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromClient) => {
      cleanup();
      if (m.type === expect) resolve(m as Extract<FromClient, { type: T }>);
      else reject(new Error(m.type === 'error' ? `Client failed: ${m.message}` : `Unexpected ${m.type}`));
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`Client exited early: ${code}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    child.send(message);
  });
}

async function measure(
  child: ChildProcess,
  spec: CellSpec & { readonly round: number },
  metrics: Metrics | undefined,
  hooks: CellHooks = {},
): Promise<Cell> {
  const prepared = await ask(child, { type: 'prepare', cell: spec }, 'prepared');
  await hooks.settle?.();
  metrics?.overheadSeconds.reset();
  metrics?.requestSeconds.reset();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const { result } = await ask(child, { type: 'go' }, 'result');
  const elu = performance.eventLoopUtilization(elu0);
  const querylog = await hooks.finish?.();
  const cpu = process.cpuUsage(cpu0);
  const phases = metrics
    ? {
        ...(await histogramPhases(metrics.overheadSeconds, 'phase')),
        total: (await histogramPhases(metrics.requestSeconds, 'status'))['200']!,
      }
    : {};
  const cell = summarize(spec, result, {
    serverCpuMs: (cpu.user + cpu.system) / 1000,
    utilization: elu.utilization,
    signMs: prepared.signMs,
    phases,
  });
  return querylog === undefined ? cell : { ...cell, querylog };
}

function summarize(
  spec: CellSpec & { readonly round: number },
  r: CellResult,
  server: { serverCpuMs: number; utilization: number; signMs: number; phases: Record<string, Phase> },
): Cell {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  const done = sorted.length + r.failed;
  return {
    target: spec.target,
    round: spec.round,
    concurrency: spec.concurrency,
    completed: sorted.length,
    failed: r.failed,
    ...(r.firstFailure === undefined ? {} : { firstFailure: r.firstFailure }),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    reqPerS: sorted.length / (r.wallMs / 1000),
    serverCpuMsPerReq: server.serverCpuMs / Math.max(1, done),
    clientCpuMsPerReq: r.clientCpuMs / Math.max(1, done),
    serverLoopUtilization: server.utilization,
    signMs: server.signMs,
    phases: server.phases,
  };
}

function report(cells: readonly Cell[], context: Record<string, unknown>): void {
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const row = (cols: (string | number)[], widths: number[]) =>
    cols.map((c, i) => String(c).padStart(widths[i] ?? 8)).join(' ');
  const w = [3, 6, 8, 8, 8, 12, 12, 9, 6, 7];
  console.log(
    row(
      [
        'c',
        'server',
        'p50 ms',
        'p99 ms',
        'req/s',
        'srv CPU/req',
        'cli CPU/req',
        'srv loop',
        'done',
        'failed',
      ],
      w,
    ),
  );
  for (const c of cells) {
    console.log(
      row(
        [
          c.concurrency,
          c.target,
          f(c.p50Ms),
          f(c.p99Ms),
          f(c.reqPerS, 0),
          `${f(c.serverCpuMsPerReq)} ms`,
          `${f(c.clientCpuMsPerReq)} ms`,
          `${f(c.serverLoopUtilization * 100, 0)} %`,
          c.completed,
          c.failed,
        ],
        w,
      ),
    );
  }
  const overhead = CONCURRENCY.map((concurrency) => {
    const bare = cells.find((c) => c.target === 'bare' && c.concurrency === concurrency)!;
    const axon = cells.find((c) => c.target === 'axon' && c.concurrency === concurrency)!;
    return {
      concurrency,
      p50Ms: axon.p50Ms - bare.p50Ms,
      p99Ms: axon.p99Ms - bare.p99Ms,
      cpuMsPerReq: axon.serverCpuMsPerReq - bare.serverCpuMsPerReq,
    };
  });
  console.log('\noverhead = axon − bare (client-observed latency; server CPU per request)');
  for (const o of overhead) {
    console.log(
      `  c=${String(o.concurrency).padEnd(3)} p50 ${f(o.p50Ms)} ms   p99 ${f(o.p99Ms)} ms   CPU ${f(o.cpuMsPerReq)} ms/req`,
    );
  }
  console.log(
    '  (at c=16 both servers queue: latency ≈ c ÷ req/s, so compare req/s and CPU/req there)\n' +
      '\naxon phases, server side (roadwork_axon_phase_duration_seconds; total = ' +
      'roadwork_axon_request_duration_seconds{status="200"}; p50/p99 interpolated in 15 % buckets)',
  );
  console.log(row(['c', 'phase', 'mean ms', 'p50 ms', 'p99 ms', 'count'], [3, 8, 8, 8, 8, 7]));
  for (const c of cells.filter((x) => x.target === 'axon')) {
    for (const name of ['verify', 'body', 'decode', 'predict', 'total']) {
      const p = c.phases[name];
      if (p === undefined) continue;
      console.log(
        row([c.concurrency, name, f(p.meanMs), f(p.p50Ms), f(p.p99Ms), p.count], [3, 8, 8, 8, 8, 7]),
      );
    }
  }
  if (cells.some((c) => c.target === 'axon+querylog')) querylogReport(cells);
  const c1 = overhead[0]!;
  // The axon's own goal holds for the model-less axon; with a model its time is in the overhead.
  if (context.model === 'mean')
    console.log(
      `\ngoal: overhead p50 < ${GOAL_P50_MS} ms at c=1: ${c1.p50Ms < GOAL_P50_MS ? 'met' : 'NOT met'} (${f(c1.p50Ms)} ms)`,
    );
  console.log(JSON.stringify({ bench: 'axon-overhead', ...context, cells, overhead }));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * The query log's cost: the same axon with it on against off. Each round pairs an "on" cell with the "off"
 * cell of the same round and concurrency (run back to back), so slow drifts of the shared machine cancel;
 * the median ratio and the spread (min–max) over rounds are printed.
 */
function querylogReport(cells: readonly Cell[]): void {
  const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  console.log(
    '\nquery log on vs off: ratio = on ÷ off per round, median [min–max] over rounds; goal: within 5 %\n' +
      "(srv CPU/req includes writing the log's backlog after the cell)",
  );
  for (const concurrency of CONCURRENCY) {
    const pairs = cells
      .filter((c) => c.target === 'axon+querylog' && c.concurrency === concurrency)
      .map((on) => ({
        on,
        off: cells.find((c) => c.target === 'axon' && c.concurrency === concurrency && c.round === on.round)!,
      }));
    const line = (name: string, pick: (c: Cell) => number, d = 3) => {
      const ratios = pairs.map((p) => pick(p.on) / pick(p.off)).sort((a, b) => a - b);
      const [a, b] = [median(pairs.map((p) => pick(p.off))), median(pairs.map((p) => pick(p.on)))];
      return `${name} ${f(a, d)} → ${f(b, d)} ×${f(median(ratios))} [${f(ratios[0]!)}–${f(ratios.at(-1)!)}]`;
    };
    const logged = pairs.reduce((n, p) => n + (p.on.querylog?.logged ?? 0), 0);
    const dropped = pairs.reduce((n, p) => n + (p.on.querylog?.dropped ?? 0), 0);
    const backlog = median(pairs.map((p) => p.on.querylog?.backlogMs ?? 0));
    console.log(
      `  c=${String(concurrency).padEnd(3)} ${line('req/s', (c) => c.reqPerS, 0)}   ${line('p50 ms', (c) => c.p50Ms)}\n` +
        `        ${line('p99 ms', (c) => c.p99Ms)}   ${line('CPU ms/req', (c) => c.serverCpuMsPerReq)}\n` +
        `        logged ${logged}, dropped ${dropped}, backlog written after the cell in ${f(backlog, 0)} ms (median)`,
    );
  }
}

/**
 * Around each cell, with the log on: every cell's timed part starts with the log's queue empty (its
 * warm-up written, and nothing left of an earlier cell: a writer draining during the "off" cell would be
 * charged to it) and, under --expose-gc, with the shared heap collected. The "on" cell then writes its
 * backlog before it ends, so all its requests' logging is charged to it.
 */
function querylogHooks(writer: QueryLogWriter | undefined): { on: CellHooks; other: CellHooks } {
  const gc = (globalThis as { gc?: () => void }).gc;
  const settle = async () => {
    await writer?.flush();
    gc?.();
  };
  if (writer === undefined) return { on: {}, other: {} };
  let before = writer.counts();
  return {
    on: {
      settle: async () => {
        await settle();
        before = writer.counts();
      },
      finish: async () => {
        const t0 = performance.now();
        await writer.flush();
        const backlogMs = performance.now() - t0;
        const now = writer.counts();
        return { logged: now.logged - before.logged, dropped: now.dropped - before.dropped, backlogMs };
      },
    },
    other: { settle },
  };
}

/**
 * Settings both miners share. Every lane signs with the one validator hotkey: its share must hold the
 * widest cell. With the starter the answer cache is off: the pool's scenes are distinct JPEGs but many
 * share a perceptual hash, and a cache hit would skip the model whose cost the log is compared with.
 */
function modelSettings(options: Options): Record<string, unknown> {
  return {
    'limits.max_per_caller': Math.max(...CONCURRENCY),
    ...(options.model === 'starter' && { 'cache.kind': 'none' }),
  };
}

async function main(): Promise<number> {
  const options = readOptions();
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-bench-'));
  const minerKey = hotkeyFromSecret(MINER_SECRET);
  const validatorKey = hotkeyFromSecret(VALIDATOR_SECRET);
  const metrics = benchMetrics();
  const { miner, port: axonPort } = await startBenchMiner({
    dir,
    miner: minerKey,
    validators: [validatorKey],
    settings: { ...modelSettings(options), 'querylog.enabled': false },
    overrides: {
      ...(options.model === 'mean' && { predictor: meanPredictor({ hash: options.querylog }) }),
      metrics,
      ...(options.answeredHook && { onAnswered: ringHook(1000) }),
    },
  });
  // The same miner with the real query log (its defaults: queue 256, SQLite under its own data_dir).
  const logged = options.querylog
    ? await startBenchMiner({
        dir: mkdtempSync(join(dir, 'querylog-')),
        miner: minerKey,
        validators: [validatorKey],
        settings: { ...modelSettings(options), 'querylog.enabled': true },
        overrides: {
          ...(options.model === 'mean' && { predictor: meanPredictor({ hash: true }) }),
          metrics: benchMetrics(),
        },
      })
    : undefined;
  const bare = bareServer();
  const barePort = await listen(bare);

  // Its own process, so client work stays off the server's event loop (the cores are still shared).
  const child = fork(fileURLToPath(new URL('./_axon-client.ts', import.meta.url)), [], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const watchdog = setTimeout(() => {
    console.error(`Benchmark ran past --max-seconds ${options.maxSeconds}; stopping.`);
    child.kill('SIGKILL');
    process.exit(2);
  }, options.maxSeconds * 1000);
  try {
    const perCell = options.n + options.warmup;
    // With the log on, every (round, concurrency) gets its own images: the log never sees one twice.
    const slices = logged ? options.rounds * CONCURRENCY.length : 1;
    const ready = await ask(
      child,
      {
        type: 'init',
        validatorSecret: VALIDATOR_SECRET,
        axonHotkey: minerKey.ss58,
        images: perCell * slices,
      },
      'ready',
    );
    const writer = logged?.miner.queryLog?.writer();
    const hooks = querylogHooks(writer);
    const cells: Cell[] = [];
    for (let round = 0; round < options.rounds; round++) {
      for (const [ci, concurrency] of CONCURRENCY.entries()) {
        // Alternating which of the two axons goes first, so neither always inherits the other's warm state.
        const axons: CellSpec['target'][] = logged ? ['axon', 'axon+querylog'] : ['axon'];
        if (round % 2 === 1) axons.reverse();
        for (const target of ['bare', ...axons] as const) {
          const spec = {
            target,
            round,
            port: target === 'bare' ? barePort : target === 'axon' ? axonPort : logged!.port,
            concurrency,
            requests: options.n,
            warmup: options.warmup,
            maxSeconds: options.cellSeconds,
            // The off and on cells of a round send the same images (to different miners).
            imageOffset: logged ? (round * CONCURRENCY.length + ci) * perCell : 0,
          };
          const metricsOf =
            target === 'axon' ? metrics : target === 'bare' ? undefined : logged!.miner.metrics;
          cells.push(
            await measure(child, spec, metricsOf, target === 'axon+querylog' ? hooks.on : hooks.other),
          );
        }
      }
    }
    const context = {
      n: options.n,
      warmup: options.warmup,
      jpegBytes: ready.jpegBytes,
      bodyBytes: ready.bodyBytes,
      node: process.version,
      cpus: availableParallelism(),
      answeredHook: options.answeredHook,
      model: options.model,
      rounds: options.rounds,
      images: ready.images,
      imagesBuildMs: Math.round(ready.buildMs),
      ...(writer && { querylog: writer.counts() }),
    };
    console.log(
      `axon overhead, model excluded: ${options.n} timed requests per cell after ${options.warmup} warm-up; ` +
        `JPEG ${ready.jpegBytes} B, body ${ready.bodyBytes} B; node ${process.version}, ${context.cpus} CPUs ` +
        `shared by client and server processes${options.answeredHook ? '; with an onAnswered hook' : ''}` +
        `${logged ? `; ${options.rounds} rounds, the query log logged ${JSON.stringify(context.querylog)}` : ''}\n`,
    );
    report(cells, context);
    const failed = cells.filter((c) => c.failed > 0);
    for (const c of failed)
      console.error(`${c.target} c=${c.concurrency}: ${c.failed} failed: ${c.firstFailure}`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    clearTimeout(watchdog);
    if (child.connected) child.send({ type: 'exit' } satisfies ToClient);
    await Promise.all([
      child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined,
      miner.stop(),
      logged?.miner.stop(),
      new Promise((resolve) => {
        bare.close(resolve);
        bare.closeAllConnections();
      }),
    ]);
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
