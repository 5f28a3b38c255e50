import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScoreBoard, rewardFor, roundHalfEven, windowMetrics } from './score.js';

const close = (actual: number, expected: number, eps = 1e-12) =>
  assert.ok(Math.abs(actual - expected) < eps, `${actual} is not ${expected}`);

test('roundHalfEven() sends exact halves to the even neighbour like numpy.round', () => {
  assert.equal(roundHalfEven(0.5), 0);
  assert.equal(roundHalfEven(1.5), 2);
  assert.equal(roundHalfEven(2.5), 2);
  assert.equal(roundHalfEven(0.5000001), 1);
  assert.equal(roundHalfEven(0.4999999), 0);
  assert.equal(roundHalfEven(-0.5), 0);
  assert.equal(roundHalfEven(-1.5), -2);
});

test('record() scores a perfect alternating miner and moves the EMA by alpha 0.05', () => {
  const board = new ScoreBoard();
  // Only label 1 seen: mcc = 0 (one label class); acc10 = 1/1; reward = (0 + 0.5)^3 = 0.125.
  const first = board.record(0.9, 1);
  close(first.reward, 0.125);
  // score = 0.05 * 0.125 + 0.95 * 0 = 0.00625
  close(first.score, 0.00625);
  // tp = 1, tn = 1: mcc = (1*1 - 0) / sqrt(1*1*1*1) = 1; acc = 2/2; reward = (0.5 + 0.5)^3 = 1.
  const second = board.record(0.1, 0);
  close(second.mcc, 1);
  close(second.reward, 1);
  // score = 0.05 * 1 + 0.95 * 0.00625 = 0.0559375
  close(second.score, 0.0559375);
});

test('record() computes MCC by hand for a mixed confusion matrix', () => {
  const board = new ScoreBoard();
  board.record(0.8, 1); // tp
  board.record(0.7, 1); // tp
  board.record(0.2, 0); // tn
  const update = board.record(0.6, 0); // fp
  // tp=2 tn=1 fp=1 fn=0: mcc = (2*1 - 1*0) / sqrt((2+1)(2+0)(1+1)(1+0)) = 2 / sqrt(12)
  const mcc = 2 / Math.sqrt(12); // 0.5773502691896258
  close(update.mcc, mcc);
  // acc10 = 3/4; reward = (0.5 * 0.57735 + 0.5 * 0.75)^3 = 0.663675^3 ≈ 0.292331
  close(update.accuracy, 0.75);
  close(update.reward, (0.5 * mcc + 0.375) ** 3);
  close(update.reward, 0.29233, 1e-5);
});

test('record() clamps a negative MCC to 0', () => {
  const board = new ScoreBoard();
  board.record(0.1, 1);
  const update = board.record(0.9, 0);
  // tp=0 tn=0 fp=1 fn=1: mcc = (0 - 1) / sqrt(1*1*1*1) = -1 → max(0, -1) = 0; acc = 0; reward = 0.
  assert.equal(update.mcc, 0);
  assert.equal(update.accuracy, 0);
  assert.equal(update.reward, 0);
});

test('record() treats exactly 0.5 as a 0 prediction', () => {
  const board = new ScoreBoard();
  // 0.5 rounds to 0; label 1: acc = 0; reward = 0.
  assert.equal(board.record(0.5, 1).reward, 0);
  // Now labels {1, 0}, rounded predictions {0, 0}: only one predicted class → mcc = 0.
  // acc = 1/2 → reward = (0 + 0.25)^3 = 0.015625.
  const update = board.record(0.5, 0);
  assert.equal(update.mcc, 0);
  close(update.reward, 0.015625);
});

test('record() gives every answer of an all-one-class history at most the accuracy half', () => {
  const board = new ScoreBoard();
  for (let i = 0; i < 20; i++) {
    // labels all 1 → mcc = 0; acc = 1 → reward = 0.5^3 = 0.125 every time.
    const update = board.record(0.9, 1);
    assert.equal(update.mcc, 0);
    close(update.reward, 0.125);
  }
});

test('record() stores -1 answers but excludes them from the metrics', () => {
  const board = new ScoreBoard();
  for (let i = 0; i < 3; i++) {
    const update = board.record(null, 1);
    assert.deepEqual(update, { reward: 0, mcc: 0, accuracy: 0, score: 0 });
  }
  assert.equal(board.history.length, 3);
  assert.ok(board.history.every((a) => a.prediction === -1));

  const mixed = new ScoreBoard();
  close(mixed.record(0.2, 0).reward, 0.125); // acc 1/1, mcc 0 (one label)
  for (let i = 0; i < 9; i++) assert.equal(mixed.record(-1, 1).reward, 0);
  // Last 10 = nine -1 and (0.8, 1): one valid, correct → acc10 = 1.
  // Last 100 valid = (0.2, 0), (0.8, 1): tp=1 tn=1 → mcc = 1. reward = (0.5 + 0.5)^3 = 1.
  const update = mixed.record(0.8, 1);
  assert.equal(update.accuracy, 1);
  assert.equal(update.mcc, 1);
  assert.equal(update.reward, 1);
});

test('record() zeroes the reward of 1.5 and its metrics poison the windows that hold it', () => {
  const board = new ScoreBoard();
  board.record(0.9, 1);
  board.record(0.1, 0);
  // Out of [0, 1] → penalty 0 → reward 0. Rounded 1.5 → 2 makes {0, 1, 2}: sklearn raises, metrics 0.
  const bad = board.record(1.5, 1);
  assert.deepEqual([bad.reward, bad.mcc, bad.accuracy], [0, 0, 0]);
  // While 1.5 is in the last 10, even a correct answer earns 0.
  assert.equal(board.record(0.9, 1).reward, 0);
  let update = board.record(0.1, 0);
  for (let i = 0; i < 8; i++) update = board.record(i % 2 ? 0.1 : 0.9, i % 2 ? 0 : 1);
  // 10 answers after 1.5: acc10 = 1, but 1.5 is still in the last 100 → mcc 0 → reward 0.5^3.
  assert.equal(update.mcc, 0);
  close(update.reward, 0.125);
  assert.equal(rewardFor(-0.2, 1, 1), 0);
});

test('record() keeps only the last 100 answers, so old poison drops out', () => {
  const board = new ScoreBoard();
  for (let i = 0; i < 50; i++) board.record(1.5, 1);
  let update = board.record(0.9, 1);
  for (let i = 1; i < 100; i++) update = board.record(i % 2 ? 0.1 : 0.9, i % 2 ? 0 : 1);
  assert.equal(board.history.length, 100);
  assert.equal(board.history[0]?.prediction, 0.9);
  // All 100 stored answers are correct with both classes → mcc = 1, acc = 1 → reward 1.
  assert.equal(update.reward, 1);
});

test('record() with constant reward 1 converges as 1 - 0.95^n', () => {
  const board = new ScoreBoard();
  board.record(0.9, 1); // reward 0.125 → score 0.00625
  let score = 0.00625;
  for (let n = 0; n < 30; n++) {
    const update = board.record(n % 2 ? 0.9 : 0.1, n % 2 ? 1 : 0);
    score = 0.05 * update.reward + 0.95 * score;
    assert.equal(update.reward, 1);
    close(update.score, score);
  }
  close(board.score, 1 - 0.95 ** 30 * (1 - 0.00625), 1e-12);
});

test('record() resets history and score when the hotkey changes', () => {
  const board = new ScoreBoard({ hotkey: 'a' });
  board.record(0.9, 1, 'a');
  board.record(0.1, 0, 'a');
  assert.ok(board.score > 0);
  const update = board.record(0.9, 1, 'b');
  assert.equal(board.history.length, 1);
  // Fresh board: reward 0.125, score 0.05 * 0.125.
  close(update.score, 0.00625);
});

test('windowMetrics() returns zeros for an empty or all -1 window', () => {
  assert.deepEqual(windowMetrics([], 10), { accuracy: 0, mcc: 0, valid: 0 });
  assert.deepEqual(windowMetrics([{ prediction: -1, label: 1 }], 10), { accuracy: 0, mcc: 0, valid: 0 });
  // A NaN makes sklearn raise inside the validator's try: every metric falls to 0.
  assert.equal(
    windowMetrics(
      [
        { prediction: Number.NaN, label: 1 },
        { prediction: 1, label: 1 },
      ],
      10,
    ).accuracy,
    0,
  );
});
