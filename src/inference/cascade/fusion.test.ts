// Fusion arithmetic and TTA views, checked against hand-computed values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildViews, logOddsFusion } from './index.js';

test('logOddsFusion() sums weighted log-odds plus bias, ignoring skipped stages and stages without evidence', () => {
  const fusion = logOddsFusion({ bias: 0.5 });
  const p = fusion.fuse(
    [
      { stage: 'a', kind: 'x', ms: 1, outcome: { probability: 0.8 } },
      { stage: 'b', kind: 'x', ms: 1, outcome: { probability: 0.3 } },
      { stage: 'c', kind: 'x', ms: 1, skipped: 'deadline' },
      { stage: 'd', kind: 'x', ms: 1, outcome: { detail: { lines: 0 } } },
    ],
    { a: 2, b: 1, c: 5, d: 5 },
  );
  // z = 0.5 + 2·ln(0.8/0.2) + ln(0.3/0.7) = 0.5 + 2.7725887 − 0.8472979 = 2.4252908; σ(z) = 0.9187356
  assert.ok(Math.abs(p! - 0.9187356) < 1e-6, `got ${p}`);
  assert.equal(
    logOddsFusion().fuse([{ stage: 'a', kind: 'x', ms: 1, outcome: { probability: 0.73 } }], { a: 1 }),
    0.73,
  );
  assert.equal(fusion.fuse([{ stage: 'c', kind: 'x', ms: 1, skipped: 'error' }], {}), undefined);
});

test('buildViews() flips horizontally and vertically and centre-crops packed RGB', () => {
  // 2×2: pixels 1 2 / 3 4 (grey levels ×10).
  const image = {
    width: 2,
    height: 2,
    data: Uint8Array.from([10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]),
  };
  const [id, h, v] = buildViews(image, ['identity', 'hflip', 'vflip']);
  const grey = (im: { data: Uint8Array }) => Array.from(im.data.filter((_, i) => i % 3 === 0));
  assert.equal(id, image);
  assert.deepEqual(grey(h!), [20, 10, 40, 30]);
  assert.deepEqual(grey(v!), [30, 40, 10, 20]);
  const big = { width: 4, height: 4, data: Uint8Array.from({ length: 48 }, (_, i) => Math.floor(i / 3)) };
  const [crop] = buildViews(big, ['crop:0.5']);
  assert.deepEqual([crop!.width, crop!.height, ...grey(crop!)], [2, 2, 5, 6, 9, 10]);
});
