// `roadwork serve` as a child process on 127.0.0.1 for the fault battery: started on a local metagraph,
// its RSS sampled from /proc, its log tail kept for crash reports, and always stopped by its owner.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLocalMetagraph } from '../src/validation/eval/local/index.js';
import type { Signer } from '../src/wire/wallet/index.js';

/** The repository root (the child runs `src/app/cli/main.ts` from here). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Options of `startChildMiner`. */
export interface ChildMinerOptions {
  /** Data folder (and where the metagraph is written). A restart on the same folder reuses it. */
  readonly dir: string;
  readonly minerSecret: string;
  readonly miner: Signer;
  /** Registered validators, each with a permit and stake 50 000. */
  readonly validators: readonly Signer[];
  /** Settings passed as `--key value` flags. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** Startup limit. Default 90 s. */
  readonly startTimeoutMs?: number;
}

/** How a child ended, when it has. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running miner process. */
export interface ChildMiner {
  readonly pid: number;
  readonly port: number;
  /** What a dendrite calls. */
  readonly target: { readonly ip: string; readonly port: number; readonly hotkey: string };
  /** Milliseconds from spawn to the "Axon listening" line. */
  readonly startMs: number;
  /** Set once the process has exited. */
  exit(): ChildExit | undefined;
  /** Largest RSS sampled since the last `resetPeak`, MiB; VmHWM is the whole life's peak. */
  peakRssMb(): number;
  resetPeak(): void;
  /** The last log lines (stderr and stdout), for a crash report. */
  logTail(lines?: number): string;
  /** Log lines at level error (50) or above seen so far. */
  errorLines(): readonly string[];
  /** The first warning (level 40) of each distinct message seen so far, with how often it came. */
  warnings(): ReadonlyMap<string, { readonly first: string; readonly count: number }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<ChildExit>;
  /** SIGKILL at once; resolves once the process is gone. */
  kill9(): Promise<ChildExit>;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Kills every child this module started (the battery's last resort on exit or a signal). */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllChildren);
}

/** Registers a child process so that it is killed with the battery (an `eval` child, a server). */
export function track(child: ChildProcess): void {
  hookExit();
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** The resident set of a process from /proc, MiB (0 when gone or not on Linux). */
export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
}

/** User + system CPU seconds a process has used, from /proc (0 when gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Writes the metagraph, spawns `roadwork serve` and resolves once it listens. */
export async function startChildMiner(o: ChildMinerOptions): Promise<ChildMiner> {
  const metagraph = join(o.dir, 'metagraph.json');
  await writeLocalMetagraph(metagraph, { validators: o.validators, miner: o.miner, stake: 50_000 });
  const flags: Record<string, string | number | boolean> = {
    'metagraph.file': metagraph,
    'axon.host': '127.0.0.1',
    'axon.port': 0,
    data_dir: o.dir,
    'models.offline': true,
    // Every simulated validator connects from 127.0.0.1: a per-address cap would count them as one.
    'limits.max_connections_per_address': 0,
    // The scenarios' attacker sends bursts of multi-MiB bombs from one key to reach the decode limits;
    // a per-caller byte share would refuse them first (that share has its own test, intake-share.test).
    'limits.max_body_bytes_per_caller': 16 * 2 ** 30,
    ...o.settings,
  };
  const args = Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]);
  const t0 = performance.now();
  // A clean environment: nothing of the caller's shell (REDIS_URL, ROADWORK_*) reaches the miner.
  const env: Record<string, string> = { ROADWORK_HOTKEY_SECRET: o.minerSecret, LOG_LEVEL: 'info' };
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=32', '--import', 'tsx', 'src/app/cli/main.ts', 'serve', ...args],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  track(child);
  const tail: string[] = [];
  const errors: string[] = [];
  const warnings = new Map<string, { first: string; count: number }>();
  let exit: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  let partial = '';
  let onLine: ((line: string) => void) | undefined;
  const take = (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      tail.push(line);
      if (tail.length > 400) tail.splice(0, tail.length - 200);
      if (/"level":(50|60)/.test(line) && errors.length < 100) errors.push(line);
      if (line.includes('"level":40')) {
        const msg = /"msg":"([^"]{0,200})/.exec(line)?.[1] ?? '(no message)';
        const seen = warnings.get(msg);
        if (seen !== undefined) seen.count++;
        else if (warnings.size < 50) warnings.set(msg, { first: line, count: 1 });
      }
      onLine?.(line);
    }
  };
  child.stderr.setEncoding('utf8').on('data', take);
  child.stdout.setEncoding('utf8').on('data', take);

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `roadwork serve did not listen within ${o.startTimeoutMs ?? 90_000} ms:\n${tail.join('\n')}`,
        ),
      );
    }, o.startTimeoutMs ?? 90_000);
    onLine = (line) => {
      const m = /"address":"127\.0\.0\.1:(\d+)"/.exec(line);
      if (m !== null) {
        clearTimeout(timer);
        onLine = undefined;
        resolve(Number(m[1]));
      }
    };
    void exited.then((e) => {
      clearTimeout(timer);
      reject(
        new Error(`roadwork serve exited (${e.code ?? e.signal}) before listening:\n${tail.join('\n')}`),
      );
    });
  });
  const startMs = performance.now() - t0;
  const pid = child.pid!;
  let peak = rssMb(pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 50);
  sampler.unref();
  void exited.then(() => clearInterval(sampler));

  const kill = async (signal: NodeJS.Signals, graceMs: number): Promise<ChildExit> => {
    if (exit !== undefined) return exit;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const e = await exited;
    clearTimeout(timer);
    return e;
  };
  return {
    pid,
    port,
    target: { ip: '127.0.0.1', port, hotkey: o.miner.ss58 },
    startMs,
    exit: () => exit,
    peakRssMb: () => Math.max(peak, rssMb(pid)),
    resetPeak: () => {
      peak = rssMb(pid);
    },
    logTail: (lines = 40) => tail.slice(-lines).join('\n'),
    errorLines: () => errors,
    warnings: () => warnings,
    stop: (graceMs = 15_000) => kill('SIGTERM', graceMs),
    kill9: () => kill('SIGKILL', 0),
  };
}
