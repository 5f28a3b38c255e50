import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGE_WARNING_DAYS, judgeAge, modelAgeDays } from './index.js';

const DAY = 86_400_000;

test('the age counts whole days from the submission time and is never negative', () => {
  const t0 = 1_780_000_000;
  assert.equal(modelAgeDays(t0, t0 * 1000), 0);
  assert.equal(modelAgeDays(t0, t0 * 1000 + 2.5 * DAY), 2.5);
  assert.equal(modelAgeDays(t0, t0 * 1000 - DAY), 0);
});

test('warnings start at 75 days and get louder at 80 and 85', () => {
  assert.deepEqual(AGE_WARNING_DAYS, [75, 80, 85]);
  assert.equal(judgeAge(74.9).threshold, undefined);
  assert.match(judgeAge(74.9).message, /74 days old \(of 90\)/);
  assert.equal(judgeAge(75).threshold, 75);
  assert.equal(judgeAge(82).threshold, 80);
  assert.equal(judgeAge(85).threshold, 85);
  assert.match(judgeAge(85).message, /past 85 days, 5 left of the 90/);
  assert.match(judgeAge(120).message, /0 left/);
  assert.match(judgeAge(80).message, /roadwork publish/);
});
