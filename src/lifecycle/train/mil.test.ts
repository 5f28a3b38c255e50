// Fitting MIL heads: the gradient is the loss's, small r is the average-pooled logistic head, and a
// head that looks for one hot cell finds it where the average-pooled one cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHead, type MilSpec } from '../../inference/heads/index.js';
import { createRng } from '../../core/random/index.js';
import { auc } from './_metrics.js';
import { fitLogistic, logits, matrixOf, type Matrix } from './_fit.js';
import { fitMil } from './_mil.js';

const CELLS = 16;
const DIMS = 4;

/** Bags of 16 cells × 4 values plus a 1-value tail; a positive bag has one cell with a raised channel 0. */
function bags(n: number, seed: string, signal = 4) {
  const rng = createRng(seed);
  const rows: Float32Array[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const row = new Float32Array(CELLS * DIMS + 1);
    for (let j = 0; j < row.length; j++) row[j] = rng.normal(1, 1);
    if (label === 1) row[Math.floor(rng.next() * CELLS) * DIMS]! += signal;
    row[CELLS * DIMS] = rng.normal(label ? 0.3 : -0.3, 1);
    rows.push(row);
    y.push(label);
  }
  return { x: matrixOf(rows, CELLS * DIMS + 1), y: Uint8Array.from(y) };
}

/** The cells of each row averaged, the tail kept: what a logistic head on average pooling sees. */
function averagePooled(x: Matrix): Matrix {
  const rows = Array.from({ length: x.rows }, (_, r) => {
    const out = new Float32Array(DIMS + 1);
    for (let k = 0; k < CELLS; k++)
      for (let c = 0; c < DIMS; c++) out[c]! += x.data[r * x.cols + k * DIMS + c]! / CELLS;
    out[DIMS] = x.data[r * x.cols + CELLS * DIMS]!;
    return out;
  });
  return matrixOf(rows, DIMS + 1);
}

test('a MIL head finds the one hot cell that average pooling dilutes', () => {
  const spec: MilSpec = { cells: CELLS, cellDims: DIMS, pooling: 'lse', sharpness: 4 };
  const train = bags(400, 'mil-train');
  const test_ = bags(400, 'mil-test');
  const head = parseHead(JSON.parse(JSON.stringify(fitMil(train, spec, { l2: 1e-3 }))));
  const milAuc = auc(logits(head, test_.x), test_.y);
  // The average-pooled logistic head on the same bags: cells averaged, tail kept.
  const avgAuc = auc(
    logits(fitLogistic({ x: averagePooled(train.x), y: train.y }, { l2: 1e-3 }), averagePooled(test_.x)),
    test_.y,
  );
  assert.ok(milAuc > 0.9, `MIL AUC ${milAuc} vs average-pooled ${avgAuc}`);
  assert.ok(milAuc > avgAuc + 0.1, `MIL AUC ${milAuc} vs average-pooled ${avgAuc}`);
});

test('with a tiny sharpness the MIL head is the logistic head on average-pooled cells', () => {
  const data = bags(200, 'mil-small', 1);
  const tiny = fitMil(data, { cells: CELLS, cellDims: DIMS, pooling: 'lse', sharpness: 1e-4 }, { l2: 0 });
  const pooled = averagePooled(data.x);
  const flat = fitLogistic({ x: pooled, y: data.y }, { l2: 0 });
  const a = logits(tiny, data.x);
  const b = logits(flat, pooled);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i]! - b[i]!) < 1e-2, `row ${i}: ${a[i]} vs ${b[i]}`);
});
