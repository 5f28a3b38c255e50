import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headLogit, headProbability, logit, parseHead, sigmoid } from './index.js';
import { isRoadworkError } from '../../core/errors/index.js';

const logistic = {
  format: 'roadwork-head',
  version: 1,
  type: 'logistic',
  inputDims: 3,
  normalize: { mean: [1, 0, 0], std: [2, 1, 1] },
  layers: [{ weights: [[1, -2, 0.5]], bias: [0.25], activation: 'none' }],
  temperature: 2,
  shift: -0.5,
};

test('a logistic head computes standardise → dot → temperature → shift → sigmoid', () => {
  const head = parseHead(logistic);
  // x = [(3-1)/2, 1, 2] = [1, 1, 2]; logit = 0.25 + 1 - 2 + 1 = 0.25; calibrated = 0.25/2 - 0.5 = -0.375
  assert.equal(headLogit(head, [3, 1, 2]), 0.25);
  assert.ok(Math.abs(headProbability(head, [3, 1, 2]) - 1 / (1 + Math.exp(0.375))) < 1e-12);
});

test('an MLP head applies ReLU between layers', () => {
  const head = parseHead({
    ...logistic,
    type: 'mlp',
    normalize: undefined,
    inputDims: 2,
    layers: [
      {
        weights: [
          [1, 0],
          [0, 1],
          [-1, -1],
        ],
        bias: [0, 0, 0],
        activation: 'relu',
      },
      { weights: [[1, 2, 3]], bias: [-1], activation: 'none' },
    ],
    temperature: 1,
    shift: 0,
  });
  // hidden = relu([2, -3, 1]) = [2, 0, 1]; logit = -1 + 2 + 0 + 3 = 4
  assert.equal(headLogit(head, [2, -3]), 4);
});

test('a version 4 head reads only its columns of the embedding, standardised as the slice', () => {
  // The logistic head above, on columns 2..5 of a 6-wide embedding.
  const head = parseHead({ ...logistic, version: 4, inputDims: 6, columns: [2, 5] });
  assert.equal(headLogit(head, [9, -9, 3, 1, 2, 7]), headLogit(parseHead(logistic), [3, 1, 2]));
  assert.equal(headLogit(head, Float32Array.of(0, 0, 3, 1, 2, 0)), 0.25);
  assert.throws(
    () => headLogit(head, [3, 1, 2]),
    (e) => isRoadworkError(e, 'ERR_MODEL_OUTPUT') && /the head expects 6/.test(e.message),
  );
});

test('parseHead() refuses columns outside a version 4 dense head, and columns that do not fit', () => {
  const bad = (patch: Record<string, unknown>, field: RegExp) =>
    assert.throws(
      () => parseHead({ ...logistic, inputDims: 6, version: 4, columns: [2, 5], ...patch }, 'x.json'),
      (e) => isRoadworkError(e, 'ERR_MODEL_LOAD') && field.test(e.message),
      JSON.stringify(patch),
    );
  bad({ version: 1 }, /columns: only in a version 4 logistic or mlp head/);
  bad({ columns: undefined }, /columns: undefined \(want \[from, to\]/);
  bad({ columns: [2, 7] }, /columns: \[2,7\] \(want \[from, to\] with 0 ≤ from < to ≤ inputDims 6\)/);
  bad({ columns: [3, 3] }, /columns: \[3,3\]/);
  bad({ columns: [1.5, 4] }, /columns: \[1.5,4\]/);
  bad({ columns: [1, 5] }, /rows must be 4 finite numbers/);
  bad(
    { normalize: { mean: [0, 0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1, 1] } },
    /normalize: mean\/std must be 3 finite numbers/,
  );
});

test('parseHead() refuses malformed heads with ERR_MODEL_LOAD naming the field', () => {
  const bad = (patch: Record<string, unknown>, field: RegExp) =>
    assert.throws(
      () => parseHead({ ...logistic, ...patch }, 'x.json'),
      (e) => isRoadworkError(e, 'ERR_MODEL_LOAD') && field.test(e.message),
    );
  bad({ format: 'other' }, /format/);
  bad({ layers: [{ weights: [[1, 2]], bias: [0], activation: 'none' }] }, /rows must be 3/);
  bad(
    {
      layers: [
        {
          weights: [
            [1, 2, 3],
            [1, 2, 3],
          ],
          bias: [0, 0],
          activation: 'none',
        },
      ],
    },
    /1 output/,
  );
  bad({ temperature: 0 }, /temperature/);
  bad({ normalize: { mean: [0, 0, 0], std: [1, 0, 1] } }, /normalize/);
  assert.throws(
    () => headLogit(parseHead(logistic), [1, 2]),
    (e) => isRoadworkError(e, 'ERR_MODEL_OUTPUT'),
  );
});

test('sigmoid() and logit() are inverse and stable at the extremes', () => {
  for (const p of [1e-6, 0.1, 0.5, 0.9, 1 - 1e-6]) assert.ok(Math.abs(sigmoid(logit(p)) - p) < 1e-9);
  assert.equal(sigmoid(-1000), 0);
  assert.equal(sigmoid(1000), 1);
});
