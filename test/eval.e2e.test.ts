// `roadwork eval` end to end: a real miner on loopback, real signed requests, the real baseline model.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL } from '../src/app/miner/index.js';
import { evalCommand } from '../src/app/cli/eval.js';
import { isRoadworkError } from '../src/core/errors/index.js';
import {
  evalProblem,
  evaluateAxon,
  evaluateOffline,
  openEvalData,
  type EvalRecord,
} from '../src/validation/eval/index.js';
import { freePort } from '../src/validation/eval/local/index.js';
import { KEYS, startTestMiner, type TestMiner } from './_harness.js';

const VALIDATOR_SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Validator';
const N = 24;

let m: TestMiner;
let dir: string;

before(async () => {
  // The baseline classifier on both sides, so offline and online runs can be compared bit for bit.
  m = await startTestMiner({ 'model.path': DEFAULT_MODEL });
  dir = mkdtempSync(join(tmpdir(), 'roadwork-eval-'));
});
after(() => m.stop());

/** Collects what the command writes. */
function sink(isTTY = false) {
  const chunks: string[] = [];
  return { isTTY, write: (t: string) => chunks.push(t), text: () => chunks.join('') };
}

async function runCli(args: string[]) {
  const stdout = sink();
  const stderr = sink();
  await evalCommand({ stdout, stderr }).parseAsync(args, { from: 'user' });
  return { stdout: stdout.text(), stderr: stderr.text() };
}

function onlineArgs(name: string, extra: string[] = []): string[] {
  return [
    '--axon',
    `http://127.0.0.1:${m.port}`,
    '--axon-hotkey',
    KEYS.miner.ss58,
    '--validator-mnemonic',
    VALIDATOR_SECRET,
    '--data',
    'synth:40',
    '--n',
    String(N),
    '--seed',
    'e2e-seed',
    '--json',
    join(dir, `${name}.json`),
    '--records',
    join(dir, `${name}.jsonl`),
    ...extra,
  ];
}

function readRecords(name: string): EvalRecord[] {
  return readFileSync(join(dir, `${name}.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as EvalRecord);
}

/** MCC and accuracy recomputed from scratch: half-to-even rounding, -1 dropped, MCC clamped at 0. */
function recompute(records: readonly EvalRecord[]): { mcc: number; accuracy: number } {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (const r of records) {
    if (r.prediction === -1) continue;
    const p = r.prediction === 0.5 ? 0 : r.prediction > 0.5 ? 1 : 0;
    if (p === 1 && r.label === 1) tp++;
    else if (p === 0 && r.label === 0) tn++;
    else if (p === 1) fp++;
    else fn++;
  }
  const d = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return {
    mcc: d === 0 ? 0 : Math.max(0, (tp * tn - fp * fn) / d),
    accuracy: (tp + tn) / (tp + tn + fp + fn),
  };
}

const withoutLatency = (records: readonly EvalRecord[]) => records.map(({ latency_ms: _l, ...rest }) => rest);

test('eval scores a real miner over a socket and writes consistent JSON, JSONL and HTML', async () => {
  const html = join(dir, 'a.html');
  const { stdout, stderr } = await runCli(onlineArgs('a', ['--concurrency', '3', '--html', html]));
  const records = readRecords('a');
  assert.equal(records.length, N);
  assert.deepEqual(
    records.map((r) => r.i),
    Array.from({ length: N }, (_, i) => i),
    'records are written in i order even with 3 lanes',
  );
  for (const r of records) {
    assert.equal(r.status, 200);
    assert.ok(r.prediction >= 0 && r.prediction <= 1, String(r.prediction));
    assert.ok(r.origin === 'real' || r.origin === 'synthetic' || r.origin === 'api', String(r.origin));
    assert.equal(r.level, undefined, 'protocol 0.4 (the default) does not augment');
    assert.ok((r.width ?? 0) >= 640 && (r.height ?? 0) >= 480, `sent at source size: ${r.width}×${r.height}`);
    assert.ok(r.latency_ms > 0);
  }
  const report = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
  const expected = recompute(records);
  assert.equal(report.n, N);
  assert.equal(report.errors, 0);
  assert.ok(Math.abs(report.mcc - expected.mcc) < 1e-12, `${report.mcc} vs ${expected.mcc}`);
  assert.ok(Math.abs(report.accuracy - expected.accuracy) < 1e-12);
  assert.equal(report.mode, 'online');
  assert.ok(report.reward_ema > 0 && report.reward_ema < 1);
  assert.ok(report.latency_ms.p50 <= report.latency_ms.p95 && report.latency_ms.p95 <= report.latency_ms.p99);
  assert.equal(report.protocol, '0.4');
  assert.deepEqual(report.levels, {});
  const originTotal = Object.values(report.origins as Record<string, { n: number }>).reduce(
    (s, b) => s + b.n,
    0,
  );
  assert.equal(originTotal, N);
  assert.ok(Object.keys(report.origins).length >= 2, Object.keys(report.origins).join());
  assert.equal(report.groups.synth.n, N);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /<svg/);
  assert.match(page, /Reliability/);
  assert.doesNotMatch(page, /<script|src=|href=|@import|url\(/, 'the report is self-contained');
  assert.doesNotMatch(page, /Cascade stages/, 'no stage section without stage data');
  assert.match(stdout, /^(real|synthetic|api) +\d+/m, 'a row per challenge source');
  assert.match(stdout, /^all\s+24\s/m);
  assert.doesNotMatch(stderr, /\r/, 'no carriage returns when stderr is not a terminal');
  assert.match(stderr, /24\/24/);
});

test('the same seed gives the same records, whatever the concurrency', async () => {
  await runCli(onlineArgs('b', ['--concurrency', '1']));
  assert.deepEqual(withoutLatency(readRecords('b')), withoutLatency(readRecords('a')));
});

test('--protocol 2.0.4 sends 224×224 augmented challenges and reports by level', async () => {
  await runCli(onlineArgs('c', ['--protocol', '2.0.4']));
  const records = readRecords('c');
  assert.equal(records.length, N);
  for (const r of records) {
    assert.equal(r.status, 200);
    assert.ok(r.level !== undefined && r.level >= 0 && r.level <= 3, String(r.level));
    assert.equal(r.origin, undefined);
  }
  const report = JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8'));
  assert.equal(report.protocol, '2.0.4');
  assert.deepEqual(report.origins, {});
  const levelTotal = Object.values(report.levels as Record<string, { n: number }>).reduce(
    (s, b) => s + b.n,
    0,
  );
  assert.equal(levelTotal, N);
  await assert.rejects(
    runCli(onlineArgs('d', ['--protocol', '3'])),
    /Invalid --protocol: 3\. Give one of 0\.4, 2\.0\.4/,
  );
});

test('offline mode gives the same predictions as online mode for the same seed and model', async () => {
  const { records } = await evaluateOffline({
    model: DEFAULT_MODEL,
    source: await openEvalData('synth:40'),
    seed: 'e2e-seed',
    count: N,
    concurrency: 2,
  });
  const online = readRecords('a');
  assert.deepEqual(
    records.map((r) => r.prediction),
    online.map((r) => r.prediction),
  );
  // Offline, the model runs as the one-classifier cascade `serve` builds for it, and its records also
  // carry that cascade's stages (the axon's answers do not).
  for (const r of records) {
    assert.deepEqual(
      r.stages?.map((s) => [s.stage, s.probability]),
      [['classifier', r.prediction]],
    );
  }
  assert.deepEqual(
    withoutLatency(records).map(({ stages: _s, ...rest }) => rest),
    withoutLatency(online),
  );
});

async function rejectsWith(args: string[], code: string, pattern: RegExp) {
  await assert.rejects(runCli(args), (err: unknown) => {
    assert.ok(isRoadworkError(err), String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

test('bad inputs fail with coded errors: missing data folder, bad URL, unreachable axon, no bound', async () => {
  const missing = join(dir, 'no-such-folder');
  const base = onlineArgs('bad');
  const swap = (flag: string, value: string) => {
    const args = [...base];
    args[args.indexOf(flag) + 1] = value;
    return args;
  };
  await rejectsWith(swap('--data', missing), 'ERR_DATASET_INVALID', /does not exist: .*no-such-folder/);
  const empty = join(dir, 'empty-folder');
  mkdirSync(empty, { recursive: true });
  await rejectsWith(
    swap('--data', empty),
    'ERR_DATASET_INVALID',
    /No labelled images or parquet files in the folder: .*empty-folder\. Give a folder with pos\/ and neg\//,
  );
  await rejectsWith(swap('--axon', '127.0.0.1:8091'), 'ERR_CONFIG_INVALID', /Invalid --axon URL/);
  await rejectsWith(swap('--axon', 'http://127.0.0.1'), 'ERR_CONFIG_INVALID', /explicit port/);
  await rejectsWith(swap('--axon-hotkey', 'not-a-key'), 'ERR_CONFIG_INVALID', /--axon-hotkey/);
  await rejectsWith(
    swap('--n', '0'),
    'ERR_CONFIG_INVALID',
    /--n is not a whole number of at least 1: "0"\. Give e\.g\. --n 200\./,
  );
  const unbounded = base.filter((_, k) => k !== base.indexOf('--n') && k !== base.indexOf('--n') + 1);
  await rejectsWith(unbounded, 'ERR_CONFIG_INVALID', /Missing --n/);
  const closed = await freePort();
  await rejectsWith(
    swap('--axon', `http://127.0.0.1:${closed}`),
    'ERR_DENDRITE_TRANSPORT',
    /Cannot reach the axon/,
  );
  assert.equal(existsSync(join(dir, 'bad.json')), false, 'no report for a run that never started');
});

test('the roadwork binary prints a coded error line, not a stack trace, for a missing data folder', () => {
  const result = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/app/cli/main.ts',
      'eval',
      '--offline',
      '--data',
      join(dir, 'nowhere'),
      '--n',
      '4',
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^roadwork: ERR_DATASET_INVALID: The --data folder does not exist/m);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
});

test('a run where every request is refused exits with ERR_EVAL_NO_ANSWERS and names the refusal', async () => {
  // A key the miner's metagraph does not hold: every request gets 403 ERR_CALLER_UNKNOWN.
  const args = onlineArgs('refused', ['--n', '6']);
  args[args.indexOf('--validator-mnemonic') + 1] = `${VALIDATOR_SECRET}//stranger`;
  const stdout = sink();
  await assert.rejects(
    evalCommand({ stdout, stderr: sink() }).parseAsync(args, { from: 'user' }),
    (err: unknown) => {
      assert.ok(isRoadworkError(err), String(err));
      assert.equal(err.code, 'ERR_EVAL_NO_ANSWERS');
      assert.match(err.message, /6× 403 ERR_CALLER_UNKNOWN/);
      return true;
    },
  );
  assert.match(stdout.text(), /Without an answer:\n +6× 403 ERR_CALLER_UNKNOWN/);
  const report = JSON.parse(readFileSync(join(dir, 'refused.json'), 'utf8'));
  assert.equal(report.refusals['403 ERR_CALLER_UNKNOWN'].n, 6, 'the report is written before the error');
});

test('eval stops soon after the miner dies and fails with ERR_EVAL_STOPPED instead of hammering a dead port', async () => {
  const doomed = await startTestMiner({ 'model.path': DEFAULT_MODEL });
  let killed = false;
  const started = performance.now();
  const { report, records } = await evaluateAxon({
    axon: `http://127.0.0.1:${doomed.port}`,
    axonHotkey: KEYS.miner.ss58,
    signers: [KEYS.validator],
    concurrency: 2,
    source: await openEvalData('synth:20'),
    seed: 'dies',
    count: 5000,
    onRecord: (r) => {
      if (r.i === 4 && !killed) {
        killed = true;
        void doomed.stop();
      }
    },
  });
  assert.ok(killed);
  assert.match(report.stopped ?? '', /unreachable for 10 challenges in a row/);
  assert.ok(records.length < 60, `stopped after ${records.length} challenges, not 5000`);
  assert.ok(performance.now() - started < 30_000);
  assert.equal(evalProblem(report)?.code, 'ERR_EVAL_STOPPED');
});
