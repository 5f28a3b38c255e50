// Conv heads: a 1×1 convolution over the cells (ReLU6), max-pooled, then one output; format version 3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { headLogit, openHeadScorer, parseHead } from './index.js';

// 3 cells of 2 values, a tail of 1; two channels: c0 = x0 − x1, c1 = 4·x1 + 1 (capped at 6).
const conv = (over: object = {}) => ({
  format: 'roadwork-head',
  version: 3,
  type: 'conv',
  inputDims: 3 * 2 + 1,
  conv: { cells: 3, cellDims: 2, units: 2, pooling: 'max' },
  layers: [
    {
      weights: [
        [1, -1],
        [0, 4],
      ],
      bias: [0, 1],
      activation: 'relu6',
    },
    { weights: [[2, -0.5, 3]], bias: [0.25], activation: 'none' },
  ],
  temperature: 1,
  shift: 0,
  ...over,
});
// Cells (1,0), (0,0.5), (3,2): c0 = 1, −0.5 → 0, 1 → max 1; c1 = 1, 3, 9 → 6 → max 6; tail 2.
const x = [1, 0, 0, 0.5, 3, 2, 2];

test('a conv head runs its convolution on every cell, caps it at 6, max-pools each channel, adds the tail', () => {
  assert.equal(headLogit(parseHead(conv()), x), 0.25 + 2 * 1 - 0.5 * 6 + 3 * 2);
  // Every channel below zero everywhere pools to 0, not to the least negative value.
  const negative = [-1, 0, -2, 0, -3, 0, 0];
  const h = parseHead(
    conv({ layers: [conv().layers[0], { weights: [[1, 0, 0]], bias: [0], activation: 'none' }] }),
  );
  assert.equal(headLogit(h, negative), 0);
});

test('parseHead() refuses a conv head with the wrong version, layout, layer shapes or activations', () => {
  const refused = (raw: object, pattern: RegExp) =>
    assert.throws(
      () => parseHead(raw, 'h.json'),
      (err) => isRoadworkError(err, 'ERR_MODEL_LOAD') && pattern.test(err.message),
      JSON.stringify(raw).slice(0, 120),
    );
  const [first, second] = conv().layers;
  refused(conv({ version: 2 }), /a conv head is version 3/);
  refused(conv({ conv: undefined }), /conv: missing/);
  refused(conv({ conv: { cells: 4, cellDims: 2, units: 2, pooling: 'max' } }), /exceed inputDims 7/);
  refused(conv({ conv: { cells: 3, cellDims: 2, units: 2, pooling: 'lse' } }), /conv.pooling: lse/);
  refused(conv({ layers: [first] }), /exactly two layers/);
  refused(
    conv({ layers: [{ ...first, activation: 'relu' }, second] }),
    /layers\[0\].activation: relu \(want relu6\)/,
  );
  refused(conv({ layers: [first, { ...second, weights: [[1, 2]] }] }), /layers\[1\].weights: rows must be 3/);
  refused(conv({ layers: [{ ...first, weights: [[1, -1, 0]], bias: [0] }, second] }), /rows must be 2/);
  refused(conv({ conv: { cells: 3, cellDims: 2, units: 3, pooling: 'max' } }), /2 channels for conv.units 3/);
  refused(conv({ normalize: { mean: [0, 0, 0, 0, 0, 0, 0], std: [1, 1, 1, 1, 1, 1, 1] } }), /folded/);
  // relu6 belongs to a conv head's convolution only.
  refused(
    {
      ...conv(),
      version: 1,
      type: 'mlp',
      conv: undefined,
      layers: [{ weights: [[1, 0, 0, 0, 0, 0, 0]], bias: [0], activation: 'relu6' }],
    },
    /activation: relu6/,
  );
  refused({ ...conv(), type: 'logistic', version: 1 }, /conv: only for a conv head/);
});

test('openHeadScorer() scores a conv head in onnxruntime with the logits headLogit computes', async () => {
  let s = 7;
  const rnd = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 2;
  const [cells, cellDims, units, tail] = [5, 8, 16, 3];
  const head = parseHead(
    conv({
      inputDims: cells * cellDims + tail,
      conv: { cells, cellDims, units, pooling: 'max' },
      layers: [
        {
          weights: Array.from({ length: units }, () => Array.from({ length: cellDims }, rnd)),
          bias: Array.from({ length: units }, () => 2 * rnd()),
          activation: 'relu6',
        },
        { weights: [Array.from({ length: units + tail }, rnd)], bias: [0.1], activation: 'none' },
      ],
    }),
  );
  const embeddings = Array.from({ length: 4 }, () =>
    Float32Array.from({ length: cells * cellDims + tail }, () => 3 * rnd()),
  );
  const scorer = await openHeadScorer(head);
  try {
    const got = await scorer.logits(embeddings);
    embeddings.forEach((e, i) =>
      assert.ok(Math.abs(got[i]! - headLogit(head, e)) < 1e-4, `${got[i]} vs ${headLogit(head, e)}`),
    );
    assert.ok(new Set(got.map((z) => z.toFixed(3))).size === 4, 'the four logits differ');
    // More embeddings than one onnxruntime run takes: every run's logits land in order.
    const many = Array.from({ length: 600 }, (_, i) => embeddings[i % 4]!.map((v) => v * (1 + i / 600)));
    const all = await scorer.logits(many);
    assert.equal(all.length, 600);
    many.forEach((e, i) => assert.ok(Math.abs(all[i]! - headLogit(head, e)) < 1e-4, `embedding ${i}`));
  } finally {
    await scorer.close();
  }
  // Other heads are scored in place, exactly.
  const logistic = parseHead({
    ...conv(),
    version: 1,
    type: 'logistic',
    conv: undefined,
    layers: [{ weights: [[1, 2, 3, 4, 5, 6, 7]], bias: [1], activation: 'none' }],
  });
  const plain = await openHeadScorer(logistic);
  assert.deepEqual(await plain.logits([Float32Array.from(x)]), [headLogit(logistic, x)]);
});
