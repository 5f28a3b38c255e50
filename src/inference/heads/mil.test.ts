// MIL heads: per-cell scores pooled over a grid, plus a global tail; format version 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { headLogit, parseHead, poolCells } from './index.js';

const mil = (pooling: object) => ({
  format: 'roadwork-head',
  version: 2,
  type: 'mil',
  inputDims: 3 * 2 + 1,
  mil: { cells: 3, cellDims: 2, ...pooling },
  layers: [{ weights: [[1, -1, 0.5]], bias: [0.25], activation: 'none' }],
  temperature: 1,
  shift: 0,
});
// Cells (1,0), (0,0), (3,1) score 1.25, 0.25, 2.25; the tail value 2 adds 1.
const x = [1, 0, 0, 0, 3, 1, 2];

test('a max MIL head scores every cell and keeps the best, plus the tail', () => {
  assert.equal(headLogit(parseHead(mil({ pooling: 'max' })), x), 2.25 + 1);
});

test('an lse MIL head moves from the mean cell (small r) to the best cell (large r)', () => {
  const at = (r: number) => headLogit(parseHead(mil({ pooling: 'lse', sharpness: r })), x);
  const exact = (r: number) =>
    Math.log((Math.exp(1.25 * r) + Math.exp(0.25 * r) + Math.exp(2.25 * r)) / 3) / r + 1;
  assert.ok(Math.abs(at(2) - exact(2)) < 1e-12);
  assert.ok(Math.abs(at(1e-6) - (1.25 + 1)) < 1e-5, `${at(1e-6)}`);
  assert.ok(Math.abs(at(1e4) - (2.25 + 1)) < 1e-3, `${at(1e4)}`);
  // The pool's weights are its softmax and sum to 1 (the training gradient relies on it).
  const grad = new Float64Array(3);
  poolCells({ cells: 3, cellDims: 2, pooling: 'lse', sharpness: 2 }, [1.25, 0.25, 2.25], grad);
  assert.ok(Math.abs(grad.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(grad[2]! > grad[0]! && grad[0]! > grad[1]!);
});

test('parseHead() refuses a MIL head that is version 1, lacks its layout, or does not fit its input', () => {
  const refused = (raw: object, pattern: RegExp) =>
    assert.throws(
      () => parseHead(raw, 'h.json'),
      (err) => isRoadworkError(err, 'ERR_MODEL_LOAD') && pattern.test(err.message),
    );
  refused({ ...mil({ pooling: 'max' }), version: 1 }, /a mil head is version 2/);
  refused({ ...mil({ pooling: 'max' }), mil: undefined }, /mil: missing/);
  refused(mil({ pooling: 'lse' }), /mil.sharpness/);
  refused(mil({ pooling: 'mean' }), /mil.pooling: mean/);
  refused({ ...mil({ pooling: 'max' }), inputDims: 8 }, /rows must be 4 finite numbers/);
  refused({ ...mil({ pooling: 'max' }), inputDims: 5 }, /exceed inputDims 5/);
  refused({ ...mil({ pooling: 'max' }), type: 'logistic' }, /mil: only for a mil head/);
  refused(
    { ...mil({ pooling: 'max' }), normalize: { mean: [0, 0, 0], std: [1, 1, 1] } },
    /standardisation folded/,
  );
  // A version-2 file of an older kind still loads.
  const { mil: _m, ...plain } = mil({ pooling: 'max' });
  assert.equal(parseHead({ ...plain, type: 'logistic', inputDims: 3 }).type, 'logistic');
});
