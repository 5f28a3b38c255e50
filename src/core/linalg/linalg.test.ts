import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dot, leadingEigenvectors, transposed } from './index.js';

test('leadingEigenvectors() finds the eigenvectors of a symmetric matrix in order of their eigenvalue', () => {
  // Eigenvalues 5, 2, 0 along (1, 1, 0)/√2, (0, 0, 1), (1, −1, 0)/√2.
  const m = Float64Array.of(2.5, 2.5, 0, 2.5, 2.5, 0, 0, 0, 2);
  const [a, b, ...rest] = leadingEigenvectors(m, 3, 3, 't');
  const near = (v: Float64Array | undefined, want: number[]) =>
    want.every((w, j) => Math.abs(v![j]! - w) < 1e-6) ||
    assert.fail(`${v?.join(', ')} is not ${want.join(', ')}`);
  near(a, [Math.SQRT1_2, Math.SQRT1_2, 0]);
  near(b, [0, 0, 1]);
  // The third eigenvalue is 0: nothing is left to find.
  assert.equal(rest.length, 0);
  assert.ok(Math.abs(dot(a!, b!)) < 1e-9);
  // Deterministic, and a zero matrix has none.
  assert.deepEqual(leadingEigenvectors(m, 3, 2, 't'), [a, b]);
  assert.deepEqual(leadingEigenvectors(new Float64Array(9), 3, 2, 't'), []);
});

test('transposed() swaps the rows and columns of a row-major matrix', () => {
  // [[1, 2, 3], [4, 5, 6]] → [[1, 4], [2, 5], [3, 6]], and back.
  const a = Float32Array.of(1, 2, 3, 4, 5, 6);
  const t = transposed(a, 2, 3);
  assert.deepEqual([...t], [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(transposed(t, 3, 2), a);
});
