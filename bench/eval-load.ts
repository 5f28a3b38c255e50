// Load benchmark (not a test): a real miner in a child process, `roadwork eval` load mode against it,
// the server's RSS and heap sampled every few seconds. Errors must stay at 0 and memory flat.
// Usage: node --import tsx bench/eval-load.ts [seconds=60] [validators=10] [concurrency=4] [rate]
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateAxon, openEvalData, summaryTable, validatorSigners } from '../src/validation/eval/index.js';
import { hotkeyFromSecret } from '../src/wire/wallet/index.js';
import { startBenchMiner } from './_miner.js';

const SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const MINER_SECRET = `${SECRET}//LoadMiner`;
const VALIDATORS_SECRET = `${SECRET}//LoadValidators`;

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
}

/** The child: a miner whose metagraph registers every simulated validator; answers memory probes. */
async function serve(validators: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-load-'));
  const signers = await validatorSigners({ secret: VALIDATORS_SECRET }, validators);
  const miner = hotkeyFromSecret(MINER_SECRET);
  const { miner: m, port } = await startBenchMiner({ dir, miner, validators: signers });
  process.on('message', async (msg: string) => {
    if (msg === 'memory') {
      const { rss, heapUsed } = process.memoryUsage();
      process.send?.({ memory: { rss, heapUsed } });
    } else if (msg === 'stop') {
      await m.stop();
      process.exit(0);
    }
  });
  process.send?.({ port, hotkey: miner.ss58 });
}

function request<T>(child: ChildProcess, message: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (msg: Record<string, unknown>) => {
      if (key in msg) {
        child.off('message', onMessage);
        resolve(msg[key] as T);
      }
    };
    child.on('message', onMessage);
    if (message) child.send(message);
  });
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 60);
  const validators = Number(process.argv[3] ?? 10);
  const concurrency = Number(process.argv[4] ?? 4);
  const rate = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
  const child = fork(fileURLToPath(import.meta.url), ['--serve', String(validators)], {
    execArgv: ['--import', 'tsx'],
  });
  try {
    const ready = request<number>(child, '', 'port');
    const port = await ready;
    const minerHotkey = hotkeyFromSecret(MINER_SECRET).ss58;
    const samples: { t: number; memory: Memory; answered: number }[] = [];
    let answered = 0;
    const started = performance.now();
    const sample = async () =>
      samples.push({
        t: (performance.now() - started) / 1000,
        memory: await request<Memory>(child, 'memory', 'memory'),
        answered,
      });
    await sample();
    const timer = setInterval(() => void sample(), 5000);
    const result = await evaluateAxon({
      axon: `http://127.0.0.1:${port}`,
      axonHotkey: minerHotkey,
      signers: await validatorSigners({ secret: VALIDATORS_SECRET }, validators),
      concurrency,
      source: await openEvalData('synth:200'),
      seed: 'load',
      durationMs: seconds * 1000,
      ratePerS: rate,
      progress: process.stderr,
      onRecord: () => answered++,
    });
    clearInterval(timer);
    await sample();
    const r = result.report;
    process.stdout.write(
      `\nLoad: ${validators} validators × ${concurrency} lanes, ${seconds} s${rate ? `, ${rate}/s` : ''}\n`,
    );
    process.stdout.write(
      `  ${r.n} challenges, ${r.throughput_rps.toFixed(1)}/s, errors ${r.errors}, statuses ${JSON.stringify(r.statuses)}\n`,
    );
    process.stdout.write(
      `  latency p50 ${r.latency_ms.p50?.toFixed(1)} ms  p95 ${r.latency_ms.p95?.toFixed(1)} ms  p99 ${r.latency_ms.p99?.toFixed(1)} ms  max ${r.latency_ms.max?.toFixed(1)} ms\n\n`,
    );
    process.stdout.write('  t (s)   answered   server RSS (MiB)   server heap used (MiB)\n');
    for (const s of samples) {
      process.stdout.write(
        `  ${s.t.toFixed(0).padStart(5)}   ${String(s.answered).padStart(8)}   ${mb(s.memory.rss).padStart(16)}   ${mb(s.memory.heapUsed).padStart(22)}\n`,
      );
    }
    const steady = samples.slice(Math.floor(samples.length / 3));
    const rss = steady.map((s) => s.memory.rss);
    process.stdout.write(
      `\n  RSS after warm-up: min ${mb(Math.min(...rss))} MiB, max ${mb(Math.max(...rss))} MiB (${(((Math.max(...rss) - Math.min(...rss)) / Math.min(...rss)) * 100).toFixed(1)}% spread)\n\n`,
    );
    process.stdout.write(summaryTable(r));
  } finally {
    child.send('stop');
  }
}

if (process.argv[2] === '--serve') await serve(Number(process.argv[3]));
else await main();
