// Fault battery scenario 8: kill -9. The shared miner is SIGKILLed under load and restarted on the same
// data folder; then a `roadwork eval` load run is SIGKILLed mid-run and the miner must keep answering.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { openStore, storeFile } from '../src/core/store/index.js';
import {
  crashed,
  fetchText,
  honestLane,
  honestTally,
  newResult,
  p50p99,
  type Battery,
  type ScenarioResult,
} from './_battery.js';
import { REPO_ROOT, track, type ChildMiner } from './_child-miner.js';
import { answered, exchange, lanes, signWire, sleep, Tally } from './_traffic.js';

/** Opens the miner's SQLite store read-only and runs SQLite's integrity check; undefined: no store. */
function storeCheck(dataDir: string): string | undefined {
  const file = storeFile(dataDir);
  if (!existsSync(file)) return undefined;
  const store = openStore(file, { readonly: true });
  try {
    return store.get<{ integrity_check: string }>('PRAGMA integrity_check')?.integrity_check ?? '(no answer)';
  } finally {
    store.close();
  }
}

/** Polls the miner's metrics until `caller` has `n` answered requests (or `ms` pass). */
async function waitForAnswers(port: number, caller: string, n: number, ms: number): Promise<number> {
  const until = performance.now() + ms;
  let seen = 0;
  while (performance.now() < until) {
    const text = await fetchText(port, '/metrics');
    seen = 0;
    for (const line of text.split('\n')) {
      if (
        line.startsWith('roadwork_axon_requests_total') &&
        line.includes(`caller="${caller}"`) &&
        line.includes('status="200"')
      )
        seen += Number(line.split(' ').pop());
    }
    if (seen >= n) return seen;
    await sleep(250);
  }
  return seen;
}

/** kill -9 of the miner under load (it restarts and answers), then of an eval run (the miner carries on). */
export async function killScenario(b: Battery): Promise<ScenarioResult> {
  const r = newResult('kill-9');
  let miner: ChildMiner = await b.shared();
  miner.resetPeak();
  // 1. Four validators one request after another; SIGKILL the miner while they are in flight.
  const before = honestTally();
  const cut = new Tally(() => true);
  let killed = false;
  const signers = [b.keys.b, ...b.keys.fuzz.slice(0, 3)];
  const load = lanes(4, async (i) => {
    await honestLane(b, miner.target, () => (killed ? cut : before), {
      stop: () => killed && cut.tried >= 4,
      signer: signers[i]!,
      offset: i * 10,
    });
  });
  await sleep(b.quick ? 1500 : 4000);
  killed = true;
  const exit = await miner.kill9();
  await load;
  r.notes.push(`under load: ${before.summary()}; killed (${exit.signal}); after the kill: ${cut.summary()}`);
  r.peakRssMb = miner.peakRssMb();
  // 2. Restart on the same data folder: it must start, be ready and answer.
  const t0 = performance.now();
  miner = await b.shared();
  const restartMs = performance.now() - t0;
  const ready = await exchange(miner.port, undefined, { method: 'GET', path: '/health/ready' });
  const afterRestart = honestTally();
  await honestLane(b, miner.target, afterRestart, { count: b.quick ? 2 : 10, offset: 50 });
  const store = storeCheck(b.sharedDir);
  r.notes.push(
    `restarted in ${(restartMs / 1000).toFixed(1)} s, ready ${ready.status}; then ${afterRestart.summary()}; ` +
      (store === undefined
        ? 'no SQLite store in the data folder (serve keeps none)'
        : `SQLite integrity_check: ${store}`),
  );
  // 3. A `roadwork eval` load run against the miner, SIGKILLed once it has had answers.
  const evalChild = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/app/cli/main.ts',
      'eval',
      '--axon',
      `http://127.0.0.1:${miner.port}`,
      '--axon-hotkey',
      b.keys.miner.ss58,
      '--validator-mnemonic',
      b.keys.evalSecret,
      '--data',
      'synth:40',
      '--seed',
      'fault-battery',
      '--duration',
      '120',
      '--concurrency',
      '8',
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    },
  );
  track(evalChild);
  let evalErr = '';
  evalChild.stderr.setEncoding('utf8').on('data', (c: string) => (evalErr = (evalErr + c).slice(-2000)));
  const evalExit = new Promise<string>((resolve) =>
    evalChild.once('exit', (code, signal) => resolve(String(signal ?? code))),
  );
  const answeredBeforeKill = await waitForAnswers(miner.port, b.keys.eval.ss58, b.quick ? 2 : 16, 60_000);
  evalChild.kill('SIGKILL');
  const evalEnd = await evalExit;
  r.notes.push(`roadwork eval had ${answeredBeforeKill} answers, then was killed (${evalEnd})`);
  if (answeredBeforeKill === 0) r.notes.push(`  eval stderr: ${evalErr.slice(-600)}`);
  await sleep(300);
  // The miner carries on: honest requests are answered, and the killed caller's share is free again.
  const afterEval = honestTally();
  await honestLane(b, miner.target, afterEval, { count: b.quick ? 2 : 10, offset: 70 });
  const share = new Tally(answered);
  await lanes(8, async (i) => {
    share.add(
      await exchange(miner.port, signWire(b.keys.eval, miner.target, b.scenes[(90 + i) % b.scenes.length]!)),
      'eval hotkey',
    );
  });
  r.notes.push(
    `after the eval kill: B ${afterEval.summary()}; 8 at once from the eval hotkey: ${share.summary()}`,
  );
  for (const t of [before, afterRestart, afterEval, share]) {
    r.tried += t.tried;
    r.wrong += t.wrong;
    r.fiveXx += t.fiveXx;
    for (const e of t.wrongExamples) r.notes.push(`  WRONG ${e}`);
  }
  r.tried += cut.tried;
  r.crashes += crashed(b, miner);
  r.peakRssMb = Math.max(r.peakRssMb, miner.peakRssMb());
  r.latency = `restart ${(restartMs / 1000).toFixed(1)} s; after it ${p50p99(afterRestart.answeredMs)}`;
  r.goals.push(
    { label: 'answers under load before the kill', ok: before.wrong === 0 && before.tried > 0 },
    {
      label: 'restarts on the same data folder and answers',
      ok: ready.status === 200 && afterRestart.wrong === 0,
    },
    { label: 'store intact (when there is one)', ok: store === undefined || store === 'ok' },
    { label: 'eval run reached the miner before its kill', ok: answeredBeforeKill > 0 },
    { label: 'miner keeps answering after the eval kill', ok: r.crashes === 0 && afterEval.wrong === 0 },
    { label: "the killed caller's share is released", ok: share.wrong === 0 },
  );
  return r;
}
