// The group bootstrap behind every interval of the training reports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../core/random/index.js';
import { bootstrapByGroup, bootstrapStatsByGroup, scores } from './_metrics.js';

function rowsOf(seed: string, n: number, groups: number) {
  const rng = createRng(seed);
  const y = Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
  return {
    p: y.map((v) => Math.min(1, Math.max(0, 0.3 + 0.4 * v + 0.3 * rng.normal()))),
    y,
    groups: y.map(() => `g${rng.int(0, groups - 1)}`),
  };
}

test('bootstrapStatsByGroup() gives each statistic the estimate of a bootstrap of its own with the same seed', () => {
  const rows = rowsOf('stats', 400, 25);
  const opts = { seed: 'same', rounds: 200 };
  const together = bootstrapStatsByGroup(
    rows,
    (p, y) => {
      const s = scores(p, y);
      return { mcc: s.mcc, auc: s.auc, accuracy: s.accuracy };
    },
    opts,
  );
  for (const k of ['mcc', 'auc', 'accuracy'] as const) {
    const alone = bootstrapByGroup(rows, (p, y) => scores(p, y)[k], opts);
    assert.deepEqual(together[k], alone, k);
    assert.ok(alone.lo < alone.value && alone.value < alone.hi, `${k}: ${JSON.stringify(alone)}`);
  }
  // Another seed draws other resamples.
  assert.notDeepEqual(
    bootstrapByGroup(rows, (p, y) => scores(p, y).mcc, { ...opts, seed: 'other' }),
    together.mcc,
  );
});

test('bootstrapStatsByGroup() leaves a resample out of a statistic only where that one is not finite', () => {
  const rows = rowsOf('finite', 300, 12);
  const opts = { seed: 'finite', rounds: 300 };
  // `size` is finite everywhere; `odd` only on resamples of an even size.
  const stats = (p: number[]) => ({ size: p.length, odd: p.length % 2 === 0 ? p.length : Number.NaN });
  const both = bootstrapStatsByGroup(rows, stats, opts);
  assert.deepEqual(
    both.size,
    bootstrapByGroup(rows, (p) => p.length, opts),
  );
  assert.deepEqual(
    both.odd,
    bootstrapByGroup(rows, (p) => stats(p).odd, opts),
  );
  assert.notDeepEqual(both.odd, both.size);
  // Whole groups are resampled: with one group every resample is the data itself.
  const one = { ...rows, groups: rows.groups.map(() => 'g') };
  const e = bootstrapStatsByGroup(one, (p, y) => ({ mcc: scores(p, y).mcc }), opts).mcc;
  assert.equal(e.lo, e.value);
  assert.equal(e.hi, e.value);
});
