import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metricBlock, sliceRows, summariseRecords, type EvalRecord } from './_summary.js';

function rec(i: number, label: 0 | 1, prediction: number, extra: Partial<EvalRecord> = {}): EvalRecord {
  return {
    i,
    label,
    level: 0,
    group: 'g',
    prediction,
    status: prediction === -1 ? 408 : 200,
    latency_ms: (i + 1) * 10,
    ...extra,
  };
}

// Worked by hand: 0.5 rounds to 0 (half to even), the 408 is stored as -1 and left out.
const RECORDS: EvalRecord[] = [
  rec(0, 1, 0.9, { level: 0, group: 'real' }), // TP
  rec(1, 0, 0.2, { level: 1, group: 'real' }), // TN
  rec(2, 1, 0.5, { level: 1, group: 'synth' }), // FN (0.5 → 0)
  rec(3, 0, 0.7, { level: 2, group: 'synth' }), // FP
  rec(4, 1, -1, { level: 2, group: 'synth', latency_ms: 9000 }), // no answer
  rec(5, 0, 0.1, { level: 3, group: 'real' }), // TN
  rec(6, 1, 0.8, { level: 3, group: 'real' }), // TP
];

test('summariseRecords() gives MCC and accuracy over all valid answers, rounded half to even', () => {
  const s = summariseRecords(RECORDS);
  assert.deepEqual(s.confusion, { tp: 2, fp: 1, tn: 2, fn: 1 });
  assert.equal(s.n, 7);
  assert.equal(s.valid, 6);
  assert.equal(s.errors, 1);
  assert.equal(s.accuracy, 4 / 6);
  // (2·2 − 1·1) / √(3·3·3·3) = 3/9
  assert.ok(Math.abs(s.mcc - 1 / 3) < 1e-12, String(s.mcc));
  assert.deepEqual(s.statuses, { '200': 6, '408': 1 });
});

test('metricBlock() replays the validator reward and EMA in order', () => {
  const b = metricBlock(RECORDS.slice(0, 3));
  // 1: one label only → mcc 0, acc 1 → (0.5)³. 2: both classes, both right → mcc 1, acc 1 → 1.
  // 3: tp 1, tn 1, fn 1 → mcc 1/√4 = 0.5, acc 2/3 → (0.25 + 1/3)³.
  const rewards = [0.125, 1, (0.25 + 1 / 3) ** 3];
  const ema = rewards.reduce((score, r) => 0.05 * r + 0.95 * score, 0);
  assert.ok(Math.abs(b.reward_ema - ema) < 1e-12, `${b.reward_ema} vs ${ema}`);
  assert.ok(Math.abs(b.reward_mean - (rewards[0]! + rewards[1]! + rewards[2]!) / 3) < 1e-12);
});

test('summariseRecords() breaks the run down by level and group, latency over answered requests only', () => {
  const s = summariseRecords(RECORDS);
  assert.deepEqual(Object.keys(s.levels), ['0', '1', '2', '3']);
  assert.equal(s.levels['2']?.n, 2);
  assert.equal(s.levels['2']?.errors, 1);
  assert.equal(s.levels['2']?.accuracy, 0);
  assert.deepEqual(Object.keys(s.groups), ['real', 'synth']);
  assert.equal(s.groups.real?.accuracy, 1);
  assert.equal(s.groups.real?.mcc, 1);
  // Answered latencies 10, 20, 30, 40, 60, 70 (the 9000 ms timeout is an error, not a latency).
  assert.deepEqual(s.latency_ms, { p50: 30, p95: 70, p99: 70, mean: 230 / 6, max: 70 });
});

test('summariseRecords() bins valid predictions for the reliability diagram', () => {
  const s = summariseRecords(RECORDS);
  assert.equal(s.calibration.length, 10);
  assert.equal(
    s.calibration.reduce((n, b) => n + b.n, 0),
    6,
  );
  const top = s.calibration[9];
  assert.equal(top?.n, 1);
  assert.equal(top?.positive_rate, 1);
  assert.ok(Math.abs((top?.mean_prediction ?? 0) - 0.9) < 1e-12);
  assert.equal(s.calibration[5]?.n, 1, '0.5 falls in the [0.5, 0.6) bin');
  assert.ok(s.ece !== null && s.ece > 0 && s.ece < 1);
});

test('summariseRecords() reports stage exits only when records carry stage data', () => {
  assert.equal(summariseRecords(RECORDS).stages, undefined);
  const staged = [
    rec(0, 1, 0.9, {
      stages: [
        { stage: 'fast', probability: 0.9, ms: 1 },
        { stage: 'big', skipped: 'exit', ms: 0 },
      ],
    }),
    rec(1, 0, 0.6, {
      stages: [
        { stage: 'fast', probability: 0.5, ms: 1 },
        { stage: 'big', probability: 0.6, ms: 9 },
      ],
    }),
    rec(2, 0, 0.1, {
      stages: [
        { stage: 'fast', probability: 0.1, ms: 1 },
        { stage: 'big', skipped: 'exit', ms: 0 },
      ],
    }),
  ];
  assert.deepEqual(summariseRecords(staged).stages, {
    fast: { reached: 3, exits: 2, exit_accuracy: 1 },
    big: { reached: 1, exits: 1, exit_accuracy: 0 },
  });
});

test('summariseRecords() of an empty run is all zeros and nulls, not NaN', () => {
  const s = summariseRecords([]);
  assert.equal(s.mcc, 0);
  assert.equal(s.accuracy, 0);
  assert.equal(s.reward_mean, 0);
  assert.equal(s.latency_ms.p50, null);
  assert.equal(s.ece, null);
});

test('summariseRecords() breaks protocol 0.4 records down by origin, and sliceRows() lists levels then origins', () => {
  const records = [
    rec(0, 1, 0.9, { level: undefined, origin: 'real' }),
    rec(1, 0, 0.8, { level: undefined, origin: 'api' }),
    rec(2, 0, 0.1, { level: undefined, origin: 'api' }),
    rec(3, 1, 0.7, { level: undefined, origin: 'synthetic' }),
  ];
  const s = summariseRecords(records);
  assert.deepEqual(s.levels, {});
  assert.deepEqual(Object.keys(s.origins), ['synthetic', 'real', 'api']);
  assert.equal(s.origins.api?.n, 2);
  assert.equal(s.origins.api?.accuracy, 0.5);
  assert.deepEqual(
    sliceRows(summariseRecords([...RECORDS, ...records])).map(([name]) => name),
    ['level 0', 'level 1', 'level 2', 'level 3', 'synthetic', 'real', 'api'],
  );
});
