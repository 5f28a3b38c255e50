import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headLogit, headProbability, parseHead, sigmoid } from './index.js';
import { isRoadworkError } from '../../core/errors/index.js';

// Two trees on 3 inputs: the first splits on input 0 at 0.5, then input 2 at −1 on its right; the
// second is a stump on input 1.
const trees = {
  format: 'roadwork-head',
  version: 5,
  type: 'trees',
  inputDims: 3,
  trees: {
    base: -0.25,
    trees: [
      {
        feature: [0, -1, 2, -1, -1],
        threshold: [0.5, 0, -1, 0, 0],
        left: [1, -1, 3, -1, -1],
        right: [2, -1, 4, -1, -1],
        value: [0, -1, 0, 0.5, 2],
      },
      {
        feature: [1, -1, -1],
        threshold: [0, 0, 0],
        left: [1, -1, -1],
        right: [2, -1, -1],
        value: [0, 0.1, -0.1],
      },
    ],
  },
  layers: [],
  temperature: 2,
  shift: 0.5,
};

test('a trees head sums one leaf per tree onto its base; a value on a threshold goes left', () => {
  const head = parseHead(trees);
  assert.equal(headLogit(head, [0.4, -3, 9]), -0.25 - 1 + 0.1);
  assert.equal(headLogit(head, [0.5, 0, 9]), -0.25 - 1 + 0.1);
  assert.equal(headLogit(head, [0.6, 0.1, -1]), -0.25 + 0.5 - 0.1);
  assert.equal(headLogit(head, Float32Array.of(7, 1, 0)), -0.25 + 2 - 0.1);
  // Temperature and shift apply as to any head.
  assert.equal(headProbability(head, [7, 1, 0]), sigmoid(1.65 / 2 + 0.5));
});

test('a trees head with columns reads its features from its first column', () => {
  const head = parseHead({ ...trees, inputDims: 6, columns: [2, 5] });
  assert.equal(headLogit(head, [9, -9, 0.6, 0.1, -1, 9]), headLogit(parseHead(trees), [0.6, 0.1, -1]));
  assert.throws(
    () => headLogit(head, [0.6, 0.1, -1]),
    (e) => isRoadworkError(e, 'ERR_MODEL_OUTPUT') && /the head expects 6/.test(e.message),
  );
});

test('parseHead() refuses malformed trees heads with ERR_MODEL_LOAD naming the field', () => {
  const first = trees.trees.trees[0]!;
  const withFirst = (patch: Record<string, unknown>) => ({
    ...trees,
    trees: { ...trees.trees, trees: [{ ...first, ...patch }, trees.trees.trees[1]] },
  });
  const bad = (head: Record<string, unknown>, field: RegExp) =>
    assert.throws(
      () => parseHead(head, 'x.json'),
      (e) => isRoadworkError(e, 'ERR_MODEL_LOAD') && /x\.json/.test(e.message) && field.test(e.message),
      field.source,
    );
  bad({ ...trees, version: 4 }, /a trees head is version 5/);
  bad({ ...trees, type: 'mlp' }, /a trees head is version 5, and version 5 is a trees head/);
  bad({ ...trees, trees: undefined }, /trees: missing/);
  bad({ ...trees, trees: { base: 0, trees: [] } }, /trees\.trees: empty/);
  bad({ ...trees, trees: { ...trees.trees, base: 'x' } }, /trees\.base/);
  bad(
    { ...trees, layers: [{ weights: [[1, 2, 3]], bias: [0], activation: 'none' }] },
    /a trees head has none/,
  );
  bad({ ...trees, normalize: { mean: [0, 0, 0], std: [1, 1, 1] } }, /no normalize/);
  bad(withFirst({ feature: [3, -1, 2, -1, -1] }), /trees\.trees\[0\]: feature\[0\]: 3 \(want −1 or 0…2\)/);
  bad(withFirst({ left: [0, -1, 3, -1, -1] }), /left\/right\[0\]: 0\/2/);
  bad(withFirst({ right: [2, -1, 9, -1, -1] }), /left\/right\[2\]: 3\/9/);
  bad(withFirst({ value: [0, Infinity, 0, 0, 0] }), /value\[1\]: not finite/);
  bad(withFirst({ threshold: [0.5, 0] }), /arrays of different lengths/);
  bad({ ...trees, inputDims: 6, columns: [4, 6] }, /trees\.trees\[0\]: feature\[2\]: 2 \(want −1 or 0…1\)/);
  bad(
    {
      ...trees,
      version: 1,
      type: 'logistic',
      trees: trees.trees,
      layers: [{ weights: [[1, 2, 3]], bias: [0], activation: 'none' }],
    },
    /trees: only for a trees head/,
  );
});
