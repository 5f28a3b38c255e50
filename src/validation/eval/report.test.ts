import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { openEvalData } from './_data.js';
import { renderHtmlReport, type EvalReport } from './_html.js';
import { summariseRecords, type EvalRecord } from './_summary.js';
import { parseAxonTarget } from './_target.js';
import { Progress, summaryTable } from './_terminal.js';

const MINER = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';

const RECORDS: EvalRecord[] = Array.from({ length: 12 }, (_, i) => ({
  i,
  label: (i % 2) as 0 | 1,
  level: (i % 4) as 0 | 1 | 2 | 3,
  group: i < 6 ? 'real' : 'synth',
  prediction: i === 11 ? -1 : i % 2 ? 0.8 : 0.3,
  status: i === 11 ? 408 : 200,
  latency_ms: 20 + i,
}));

function report(records: readonly EvalRecord[]): EvalReport {
  return {
    version: 1,
    mode: 'online',
    axon: 'http://127.0.0.1:8091',
    axon_hotkey: MINER,
    validators: 1,
    concurrency: 1,
    seed: '<seed & "quotes">',
    data: { name: 'synth', images: 12 },
    started_at: '2025-01-01T00:00:00.000Z',
    elapsed_s: 1,
    throughput_rps: 12,
    ...summariseRecords(records),
  };
}

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, write: (t: string) => chunks.push(t), text: () => chunks.join('') };
}

test('renderHtmlReport() is one self-contained page with the plots and escaped text', () => {
  const html = renderHtmlReport(report(RECORDS), RECORDS);
  assert.equal((html.match(/<svg /g) ?? []).length, 3, 'reliability, latency, per-level');
  assert.match(html, /predicted 1/, 'confusion counts');
  assert.match(html, /&#60;seed &#38; &#34;quotes&#34;&#62;/);
  assert.doesNotMatch(html, /<seed/);
  assert.doesNotMatch(html, /<script|src=|href=|url\(/);
  assert.doesNotMatch(html, /NaN|undefined/);
  assert.doesNotMatch(html, /Cascade stages/);
});

test('renderHtmlReport() adds the stage funnel only when records carry stages', () => {
  const staged = RECORDS.map((r) => ({ ...r, stages: [{ stage: 'fast', probability: 0.4, ms: 1 }] }));
  const html = renderHtmlReport(report(staged), staged);
  assert.match(html, /Cascade stages/);
  assert.match(html, /fast: 12 reached, 12 exited/);
});

test('Progress redraws in place on a terminal and prints plain lines otherwise', () => {
  const tty = sink(true);
  const progress = new Progress(tty, { total: 12 });
  progress.update(RECORDS.slice(0, 3));
  progress.finish(RECORDS);
  assert.match(tty.text(), /^\r/);
  assert.match(tty.text(), /12\/12 {2}MCC 1\.000 {2}acc 1\.000 {2}errors 1/);
  const pipe = sink(false);
  const plain = new Progress(pipe, { total: 12 });
  plain.update(RECORDS.slice(0, 3));
  plain.update(RECORDS.slice(0, 4));
  plain.finish(RECORDS);
  assert.doesNotMatch(pipe.text(), /\r/);
  assert.equal(pipe.text().trim().split('\n').length, 2, 'the second update is throttled');
});

test('summaryTable() has a row for the run, each level and each group', () => {
  const table = summaryTable(report(RECORDS));
  assert.match(table, /^all\s+12\s+1\.000\s+1\.000/m);
  for (const row of ['level 0', 'level 3', 'real', 'synth'])
    assert.match(table, new RegExp(`^${row}\\s`, 'm'));
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isRoadworkError(err) ? err.code : 'not coded';
  }
  return undefined;
}

test('parseAxonTarget() takes http://HOST:PORT and rejects anything else with ERR_CONFIG_INVALID', () => {
  const hotkey = MINER;
  assert.deepEqual(parseAxonTarget('http://127.0.0.1:8091', hotkey), { ip: '127.0.0.1', port: 8091, hotkey });
  assert.deepEqual(parseAxonTarget('http://[::1]:9000/', hotkey), { ip: '::1', port: 9000, hotkey });
  for (const url of [
    '127.0.0.1:8091',
    'http://127.0.0.1',
    'https://127.0.0.1:8091',
    'http://h:1/x',
    'nonsense',
  ]) {
    assert.equal(
      code(() => parseAxonTarget(url, hotkey)),
      'ERR_CONFIG_INVALID',
      url,
    );
  }
  assert.equal(
    code(() => parseAxonTarget('http://127.0.0.1:8091', 'abc')),
    'ERR_CONFIG_INVALID',
  );
});

test('openEvalData() opens synth[:N] and folders, and names a missing folder', async () => {
  const images = async (spec: string) => {
    const source = await openEvalData(spec);
    return 'images' in source ? source.images.length : -1;
  };
  assert.equal(await images('synth:6'), 6);
  assert.equal(await images('synth'), 200);
  await assert.rejects(openEvalData('synth:x'), { code: 'ERR_CONFIG_INVALID' });
  await assert.rejects(openEvalData('/no/such/dir'), (err: Error) =>
    /does not exist: \/no\/such\/dir/.test(err.message),
  );
});
