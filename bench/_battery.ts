// The fault battery's shared parts: the keys, the miners it starts, a scenario's result, and the honest
// validator B whose answers every scenario watches.
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hotkeyFromSecret, type Signer } from '../src/wire/wallet/index.js';
import { startChildMiner, type ChildMiner } from './_child-miner.js';
import { answered, exchange, quantile, signWire, Tally, type Outcome, type Target } from './_traffic.js';

// The public development mnemonic of the tests; every key below is derived from it.
const SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';

/** Who plays which part. */
export interface Keys {
  readonly minerSecret: string;
  readonly miner: Signer;
  /** The hostile (or merely heavy) validator. */
  readonly a: Signer;
  /** The honest validator whose answers must not suffer. */
  readonly b: Signer;
  readonly fuzz: readonly Signer[];
  readonly overload: readonly Signer[];
  readonly evalSecret: string;
  readonly eval: Signer;
  /** A valid hotkey that no metagraph names. */
  readonly stranger: Signer;
  /** Every registered validator. */
  readonly validators: readonly Signer[];
}

/** Derives the battery's keys (`overload` validators for the overload scenario). */
export function batteryKeys(overload: number): Keys {
  const key = (path: string) => hotkeyFromSecret(`${SECRET}//${path}`);
  const evalSecret = `${SECRET}//FaultEval`;
  const a = key('FaultA');
  const b = key('FaultB');
  const fuzz = Array.from({ length: 4 }, (_, i) => key(`FaultFuzz${i}`));
  const crowd = Array.from({ length: overload }, (_, i) => key(`FaultCrowd${i}`));
  const ev = hotkeyFromSecret(evalSecret);
  return {
    minerSecret: `${SECRET}//FaultMiner`,
    miner: key('FaultMiner'),
    a,
    b,
    fuzz,
    overload: crowd,
    evalSecret,
    eval: ev,
    stranger: key('FaultStranger'),
    validators: [a, b, ev, ...fuzz, ...crowd],
  };
}

/** One goal of a scenario and whether it held. */
export interface Goal {
  readonly label: string;
  readonly ok: boolean;
}

/** What a scenario reports. */
export interface ScenarioResult {
  readonly name: string;
  tried: number;
  /** Times a miner process exited without being told to. */
  crashes: number;
  /** Answers outside the scenario's allowed set (5xx included). */
  wrong: number;
  /** Of those, 5xx answers (an allowed 503 refusal is not counted). */
  fiveXx: number;
  peakRssMb: number;
  latency: string;
  readonly goals: Goal[];
  readonly notes: string[];
  skipped?: string;
}

/** An empty result for `name`. */
export function newResult(name: string): ScenarioResult {
  return { name, tried: 0, crashes: 0, wrong: 0, fiveXx: 0, peakRssMb: 0, latency: '', goals: [], notes: [] };
}

/** Adds a tally's counts (tried, wrong, unexpected 5xx) to a result. */
export function absorb(r: ScenarioResult, t: Tally): void {
  r.tried += t.tried;
  r.wrong += t.wrong;
  r.fiveXx += t.fiveXx;
}

/** Everything a scenario gets from the battery. */
export interface Battery {
  readonly quick: boolean;
  readonly fuzzCount: number;
  readonly fuzzLanes: number;
  readonly seed: string;
  readonly keys: Keys;
  /** Distinct 224² scenes (base64): B's images, so no cache can answer them for the model. */
  readonly scenes: readonly string[];
  /** Prints a progress line under the current scenario. */
  say(line: string): void;
  /** A fresh temporary folder, removed when the battery ends. */
  tmp(label: string): string;
  /** Starts a miner with the battery's keys and metagraph. */
  startMiner(o: { dir?: string; settings?: Record<string, string | number | boolean> }): Promise<ChildMiner>;
  /**
   * The miner the load scenarios share (prediction cache off, so every answer runs the model), started
   * on first use and again after a crash; its data folder stays the same across restarts.
   */
  shared(): Promise<ChildMiner>;
  /** The shared miner's data folder. */
  readonly sharedDir: string;
}

/** Settings of the shared miner: no prediction cache, everything else as by default. */
export const SHARED_SETTINGS = Object.freeze({ 'cache.kind': 'none' });

/** Builds the battery context; `cleanup()` removes its folders. */
export function createBattery(o: {
  quick: boolean;
  fuzzCount: number;
  fuzzLanes: number;
  seed: string;
  keys: Keys;
  scenes: readonly string[];
}): Battery & { cleanup(): Promise<void> } {
  const dirs: string[] = [];
  const tmp = (label: string) => {
    const dir = mkdtempSync(join(tmpdir(), `roadwork-faults-${label}-`));
    dirs.push(dir);
    return dir;
  };
  const startMiner: Battery['startMiner'] = (s) =>
    startChildMiner({
      dir: s.dir ?? tmp('miner'),
      minerSecret: o.keys.minerSecret,
      miner: o.keys.miner,
      validators: o.keys.validators,
      settings: s.settings ?? {},
    });
  const sharedDir = tmp('shared');
  let shared: ChildMiner | undefined;
  return {
    ...o,
    say: (line) => console.log(`    ${line}`),
    tmp,
    startMiner,
    sharedDir,
    async shared() {
      if (shared === undefined || shared.exit() !== undefined) {
        shared = await startMiner({ dir: sharedDir, settings: SHARED_SETTINGS });
        console.log(
          `    shared miner pid ${shared.pid} on port ${shared.port} (started in ${(shared.startMs / 1000).toFixed(1)} s)`,
        );
      }
      return shared;
    },
    async cleanup() {
      await shared?.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A crash is an exit nobody asked for; prints the log tail once. */
export function crashed(b: Battery, miner: ChildMiner): number {
  const e = miner.exit();
  if (e === undefined) return 0;
  b.say(`MINER EXITED (code ${e.code}, signal ${e.signal}); last log lines:\n${miner.logTail(30)}`);
  return 1;
}

/** The honest validator's view: only 200 answers with a prediction are acceptable. */
export function honestTally(): Tally {
  return new Tally(answered);
}

/**
 * Validator B: valid 224² requests one after another (each a scene no cache has seen) until `stop()`
 * says so or `count` have been sent; every outcome goes to `tally` (or to the one it returns now).
 */
export async function honestLane(
  b: Battery,
  target: Target,
  tally: Tally | (() => Tally),
  o: { count?: number; stop?: () => boolean; signer?: Signer; offset?: number },
): Promise<Outcome[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const out: Outcome[] = [];
  try {
    for (let i = 0; ; i++) {
      if (o.count !== undefined && i >= o.count) break;
      if (o.stop?.() === true) break;
      const image = b.scenes[((o.offset ?? 0) + i) % b.scenes.length]!;
      const outcome = await exchange(target.port, signWire(o.signer ?? b.keys.b, target, image), { agent });
      (typeof tally === 'function' ? tally() : tally).add(outcome, 'validator B');
      out.push(outcome);
    }
  } finally {
    agent.destroy();
  }
  return out;
}

/** The miner's metric samples whose names start with one of `names` (no comments), for a report. */
export async function metricSamples(port: number, names: readonly string[]): Promise<string[]> {
  const text = await fetchText(port, '/metrics');
  if (text === '') return ['(metrics unavailable)'];
  return text.split('\n').filter((l) => names.some((n) => l.startsWith(n)));
}

/** Seconds spent per request phase (verify, body, decode, predict) so far, from the miner's metrics. */
export async function phaseSeconds(port: number): Promise<Map<string, { sum: number; count: number }>> {
  const out = new Map<string, { sum: number; count: number }>();
  const re =
    /^roadwork_axon_phase_duration_seconds_(sum|count)\{hotkey="[^"]*",phase="([a-z]+)"\} ([0-9.e+-]+)$/;
  for (const line of (await fetchText(port, '/metrics')).split('\n')) {
    const m = re.exec(line);
    if (m === null) continue;
    const entry = out.get(m[2]!) ?? { sum: 0, count: 0 };
    // Summed over the axon hotkeys (one, unless miner.hotkeys names more).
    entry[m[1] as 'sum' | 'count'] += Number(m[3]);
    out.set(m[2]!, entry);
  }
  return out;
}

/** "body 12.3 ms, decode 4.5 ms, ..." : mean time per phase between two `phaseSeconds` readings. */
export function phaseMeans(
  before: Map<string, { sum: number; count: number }>,
  after: Map<string, { sum: number; count: number }>,
): string {
  return [...after]
    .map(([phase, a]) => {
      const b = before.get(phase) ?? { sum: 0, count: 0 };
      const n = a.count - b.count;
      return n > 0 ? `${phase} ${(((a.sum - b.sum) / n) * 1000).toFixed(1)} ms (${n})` : '';
    })
    .filter((x) => x !== '')
    .join(', ');
}

/** A GET's whole body as text ('' on failure). */
export async function fetchText(port: number, path: string): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5000) });
    return await res.text();
  } catch {
    return '';
  }
}

/** "p50 123 / p99 456 ms" of a list of latencies. */
export function p50p99(xs: readonly number[]): string {
  if (xs.length === 0) return 'p50 — / p99 — ms';
  return `p50 ${quantile(xs, 0.5).toFixed(0)} / p99 ${quantile(xs, 0.99).toFixed(0)} ms`;
}
