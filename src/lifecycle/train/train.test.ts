// Training maths on synthetic data with known answers, grouped splits, calibration and the embedding cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../../core/errors/index.js';
import { createRng, type Rng } from '../../core/random/index.js';
import { openEmbeddingCache } from './_cache.js';
import { decisionShift, fitTemperature, nll, thresholdSweep } from './_calibrate.js';
import { columnHead, narrowHead } from './_final-head.js';
import { fitLogistic, fitMlp, foldNormalization, logits, matrixOf, validationLoss } from './_fit.js';
import { auc, mcc } from './_metrics.js';
import { groupFolds, groupHoldout } from './_split.js';
import { slicedRows, wideAndNarrowLogits } from './_test-columns.js';
import { parseHead, type Head } from '../../inference/heads/index.js';
import { trainHead, type ViewRow } from './index.js';

test('fitLogistic() recovers known weights from data drawn from a logistic model', () => {
  const rng = createRng('logistic');
  const truth = [1.5, -2, 0.5, 0];
  const bias = -0.5;
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 6000; i++) {
    const x = truth.map(() => rng.normal());
    const z = bias + x.reduce((s, v, j) => s + v * truth[j]!, 0);
    rows.push(x);
    y.push(rng.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  const head = fitLogistic(
    { x: matrixOf(rows, 4), y: Uint8Array.from(y) },
    { l2: 1e-6, balance: false, standardize: false },
  );
  const w = head.layers[0]!.weights[0]!;
  truth.forEach((t, j) => assert.ok(Math.abs(w[j]! - t) < 0.15, `weight ${j}: ${w[j]} vs ${t}`));
  assert.ok(Math.abs(head.layers[0]!.bias[0]! - bias) < 0.15);
});

test('fitLogistic() separates linearly separable data perfectly', () => {
  const rng = createRng('separable');
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 400; i++) {
    const x = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
    if (Math.abs(x[0]! + 2 * x[1]!) < 0.1) continue;
    rows.push(x);
    y.push(x[0]! + 2 * x[1]! > 0 ? 1 : 0);
  }
  const data = { x: matrixOf(rows, 2), y: Uint8Array.from(y) };
  const head = fitLogistic(data, { l2: 1e-4 });
  const z = logits(head, data.x);
  assert.equal(
    mcc(
      Array.from(z, (v) => (v > 0 ? 1 : 0)),
      y,
    ),
    1,
  );
  // The direction found is the true one, whatever the scale.
  const [a, b] = head.layers[0]!.weights[0]!.map((v, j) => v / head.normalize!.std[j]!);
  assert.ok(Math.abs(b! / a! - 2) < 0.2, `ratio ${b! / a!}`);
});

test('columnL2 scales the L2 strength of its columns only, for logistic and MLP heads', () => {
  // Two copies of one informative feature: with equal L2 the head splits the weight between them;
  // a strong factor on the first moves the weight onto the second.
  const rng = createRng('column-l2');
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 600; i++) {
    const v = rng.normal();
    rows.push([v, v + 0.01 * rng.normal()]);
    y.push(rng.next() < 1 / (1 + Math.exp(-2 * v)) ? 1 : 0);
  }
  const data = { x: matrixOf(rows, 2), y: Uint8Array.from(y) };
  const even = fitLogistic(data, { l2: 0.1 }).layers[0]!.weights[0]!;
  assert.ok(Math.abs(even[0]! / even[1]! - 1) < 0.2, `equal L2 splits the weight: ${even.join(', ')}`);
  const leaned = fitLogistic(data, { l2: 0.1, columnL2: [{ from: 0, to: 1, factor: 1000 }] }).layers[0]!
    .weights[0]!;
  assert.ok(
    Math.abs(leaned[0]!) < 0.05 * Math.abs(leaned[1]!),
    `factor 1000 empties column 0: ${leaned.join(', ')}`,
  );
  const mlp = fitMlp(data, { l2: 0.1, hidden: 4, seed: 'c', columnL2: [{ from: 1, to: 2, factor: 1000 }] });
  const w1 = mlp.layers[0]!.weights;
  const col = (c: number) => w1.reduce((s, row) => s + Math.abs(row[c]!), 0);
  assert.ok(col(1) < 0.05 * col(0), `factor 1000 empties the MLP's column 1: ${col(0)} vs ${col(1)}`);
});

test('styleNull makes logistic and MLP heads blind to what tells cameras apart inside one label', () => {
  // Feature 0 is roadwork; feature 1 is the camera, and camera A shoots mostly roadwork, camera B
  // mostly streets, so the camera predicts the label. Inside each label the cameras differ only in
  // feature 1: that is the direction removed.
  const rng = createRng('style-null');
  const rows: number[][] = [];
  const y: number[] = [];
  const style: string[] = [];
  for (let i = 0; i < 800; i++) {
    const camera = i % 2 === 0 ? 'A' : 'B';
    const label = rng.next() < (camera === 'A' ? 0.8 : 0.2) ? 1 : 0;
    rows.push([label + 0.8 * rng.normal(), (camera === 'A' ? 2 : -2) + 0.3 * rng.normal()]);
    y.push(label);
    style.push(camera);
  }
  const data = { x: matrixOf(rows, 2), y: Uint8Array.from(y), style };
  const ratio = (w: readonly number[]) => Math.abs(w[1]!) / Math.abs(w[0]!);
  const plainHead = fitLogistic(data, { l2: 0.01 });
  const plain = plainHead.layers[0]!.weights[0]!;
  assert.ok(ratio(plain) > 0.3, `without it the camera carries weight: ${plain.join(', ')}`);
  const blind = fitLogistic(data, { l2: 0.01, styleNull: 1 });
  assert.ok(ratio(blind.layers[0]!.weights[0]!) < 0.05, `${blind.layers[0]!.weights[0]!.join(', ')}`);
  // The same photo from the other camera scores almost the same (the direction removed is a noisy
  // estimate of feature 1's).
  const pair = matrixOf([Float32Array.of(1, 2), Float32Array.of(1, -2)], 2);
  const gap = (h: Head) => Math.abs(logits(h, pair)[0]! - logits(h, pair)[1]!);
  assert.ok(gap(blind) < 0.2 * gap(plainHead), `camera gaps ${gap(blind)} / ${gap(plainHead)}`);
  // The MLP's random start puts weight on every input; with little L2 to wear it away, what is
  // fitted must still not keep it there.
  const mlp = fitMlp(data, { l2: 1e-5, hidden: 4, seed: 's', styleNull: 1 });
  const w1 = mlp.layers[0]!.weights;
  const col = (c: number) => w1.reduce((s, row) => s + Math.abs(row[c]!), 0);
  assert.ok(col(1) < 0.05 * col(0), `MLP input weights: ${col(0)} vs ${col(1)}`);
  const plainMlp = fitMlp(data, { l2: 1e-5, hidden: 4, seed: 's' });
  assert.ok(gap(mlp) < 0.2 * gap(plainMlp), `MLP camera gaps ${gap(mlp)} / ${gap(plainMlp)}`);
  // Without style classes there is nothing to remove.
  const unlabelled = fitLogistic({ x: data.x, y: data.y }, { l2: 0.01, styleNull: 1 }).layers[0]!.weights[0]!;
  assert.deepEqual(unlabelled, plain);
});

/** 60 source views of 60 images in 6 groups, the labels alternating; `x` draws each view's features. */
function labelledRows(seed: string, x: (label: 0 | 1, rng: Rng) => Float32Array): ViewRow[] {
  const rng = createRng(seed);
  return Array.from({ length: 60 }, (_, i) => {
    const label = (i % 2) as 0 | 1;
    return { image: i, group: `g${i % 6}`, label, level: 'source' as const, x: x(label, rng) };
  });
}

/** `trainHead`'s options for those rows: one L2, three folds, no TTA. */
const SMALL_RUN = {
  l2: [0.1],
  hidden: 4,
  folds: 3,
  tta: false,
  trainOnFlips: false,
  targetAccuracy: 0.95,
  log: () => undefined,
};

test("trainHead() records the per-column L2 and the style nullspace it was given in the head's metrics, and nothing without them", async () => {
  const rows = labelledRows('column-l2-metrics', (label, rng) =>
    Float32Array.of(label + rng.normal(), rng.normal()),
  );
  const options = { ...SMALL_RUN, model: 'logistic' as const, seed: 'c' };
  const columnL2 = [{ from: 0, to: 1, factor: 10 }];
  const leaned = (await trainHead(rows, 'v', { ...options, columnL2 })).head;
  assert.deepEqual(leaned.metrics?.['column_l2'], columnL2);
  const plain = (await trainHead(rows, 'v', options)).head.metrics;
  assert.equal(plain?.['column_l2'], undefined);
  assert.equal((await trainHead(rows, 'v', { ...options, styleNull: 2 })).head.metrics?.['style_null'], 2);
  assert.equal(plain?.['style_null'], undefined);
});

test("a head on a slice of the columns is written for the whole embedding, holds only the slice's weights and gives the slice's logit", async () => {
  // Column 1 holds the label; columns 0 and 2 are noise the head must not read.
  const rows = labelledRows('columns-widen', (label, rng) =>
    Float32Array.of(rng.normal() * 5, label + rng.normal(), rng.normal() * 5),
  );
  const options = { ...SMALL_RUN, hidden: 3, seed: 'w' };
  for (const model of ['logistic', 'mlp'] as const) {
    const wide = (await trainHead(rows, 'v', { ...options, model, columns: [1, 2] })).head;
    assert.equal(wide.inputDims, 3);
    assert.deepEqual([wide.version, wide.columns, wide.metrics?.['columns']], [4, [1, 2], [1, 2]]);
    for (const row of wide.layers[0]!.weights) assert.equal(row.length, 1);
    assert.deepEqual(parseHead(JSON.parse(JSON.stringify(wide))), wide);
    // The same fit on the slice itself, as a head of one column.
    const narrow = (await trainHead(slicedRows(rows, [1, 2]), 'v', { ...options, model })).head;
    assert.equal(narrow.inputDims, 1);
    const [a, b] = wideAndNarrowLogits(wide, narrow, rows, [1, 2]);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-9, `${model} row ${i}: ${v} against ${b[i]}`));
    assert.deepEqual([wide.temperature, wide.shift], [narrow.temperature, narrow.shift]);
  }
  // Only dense heads read columns: a MIL or conv head's first layer is not one weight per column.
  const dense = fitLogistic({ x: matrixOf([[0], [1]], 1), y: Uint8Array.of(0, 1) }, { l2: 1 });
  const mil: Head = { ...dense, type: 'mil' };
  assert.throws(
    () => columnHead(mil, [0, 1], 2),
    (err) => isRoadworkError(err, 'ERR_INTERNAL'),
  );
  assert.throws(
    () => columnHead(dense, [0, 2], 2),
    (err) => isRoadworkError(err, 'ERR_INTERNAL') && /is not columns 0:2 of 2/.test(err.message),
  );
});

test('narrowHead() rewrites a version 1 --columns head (zeros elsewhere) as the column head of the same logits', () => {
  const rng = createRng('narrow');
  const rows = Array.from({ length: 60 }, () => [rng.normal(), rng.normal()]);
  const data = { x: matrixOf(rows, 2), y: Uint8Array.from(rows, (r) => (r[0]! - r[1]! > 0 ? 1 : 0)) };
  const narrow = foldNormalization(fitMlp(data, { hidden: 3, l2: 0.01, seed: 'n' }));
  // As heads were written before version 4: the 2 columns at 1..3 of 4, zero weights elsewhere.
  const wide: Head = {
    ...narrow,
    inputDims: 4,
    layers: [
      { ...narrow.layers[0]!, weights: narrow.layers[0]!.weights.map((row) => [0, ...row, 0]) },
      ...narrow.layers.slice(1),
    ],
    metrics: { columns: [1, 3] },
  };
  const rewritten = narrowHead(wide);
  assert.deepEqual(rewritten, { ...columnHead(narrow, [1, 3], 4), metrics: { columns: [1, 3] } });
  const x = matrixOf(
    rows.map((r) => [rng.normal(), ...r, rng.normal()]),
    4,
  );
  assert.deepEqual(logits(rewritten, x), logits(wide, x));
  // Anything else is left as it is; a weight outside the recorded columns is refused.
  assert.equal(narrowHead(narrow), narrow);
  assert.equal(narrowHead(rewritten), rewritten);
  const stray = {
    ...wide,
    layers: [
      { ...wide.layers[0]!, weights: [[0.5, 1, 1, 0], ...wide.layers[0]!.weights.slice(1)] },
      ...wide.layers.slice(1),
    ],
  };
  assert.throws(
    () => narrowHead(stray, 'h.json'),
    (err) =>
      isRoadworkError(err, 'ERR_MODEL_LOAD') &&
      /^h\.json: its metrics say columns 1:3, but it has weights outside them/.test(err.message),
  );
});

test('fitMlp() fits XOR, which no linear head can', () => {
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 20; i++) {
    for (const [a, b] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ] as const) {
      rows.push([a, b]);
      y.push(a ^ b);
    }
  }
  const data = { x: matrixOf(rows, 2), y: Uint8Array.from(y) };
  const mlp = fitMlp(data, { hidden: 8, l2: 1e-5, seed: 'xor', maxIter: 500 });
  const z = logits(mlp, data.x);
  assert.equal(
    mcc(
      Array.from(z, (v) => (v > 0 ? 1 : 0)),
      y,
    ),
    1,
  );
  const linear = logits(fitLogistic(data, { l2: 1e-5 }), data.x);
  assert.ok(auc(linear, y) <= 0.75, `a linear head should not solve XOR: AUC ${auc(linear, y)}`);
});

test('fitMlp() with a validation set stops early and keeps the best validation point', () => {
  const rng = createRng('noise');
  const mk = (n: number) => {
    const rows = Array.from({ length: n }, () => Array.from({ length: 20 }, () => rng.normal()));
    return { x: matrixOf(rows, 20), y: Uint8Array.from(rows, (r) => (r[0]! + rng.normal() > 0 ? 1 : 0)) };
  };
  const train = mk(150);
  const val = mk(300);
  const stopped = fitMlp(train, {
    hidden: 16,
    l2: 1e-6,
    seed: 's',
    validation: val,
    patience: 5,
    maxIter: 400,
  });
  const overfit = fitMlp(train, { hidden: 16, l2: 1e-6, seed: 's', maxIter: 400 });
  assert.equal(stopped.layers[0]!.bias.length, 16);
  assert.ok(
    validationLoss(stopped, val) < validationLoss(overfit, val),
    `${validationLoss(stopped, val)} vs ${validationLoss(overfit, val)}`,
  );
});

test('fitMlp() with restarts keeps the start with the lowest validation loss, and one restart is the plain fit', () => {
  const rng = createRng('restarts');
  const mk = (n: number) => {
    const rows = Array.from({ length: n }, () => Array.from({ length: 6 }, () => rng.normal()));
    return {
      x: matrixOf(rows, 6),
      y: Uint8Array.from(rows, (r) => (r[0]! * r[1]! + 0.5 * rng.normal() > 0 ? 1 : 0)),
    };
  };
  const train = mk(120);
  const val = mk(200);
  const base = { hidden: 3, l2: 1e-4, validation: val, patience: 5, maxIter: 200 };
  const starts = ['a', 'a/restart-2', 'a/restart-3'].map((seed) => fitMlp(train, { ...base, seed }));
  const losses = starts.map((h) => validationLoss(h, val));
  assert.ok(new Set(losses).size === 3, `three starts, three fits: ${losses.join(', ')}`);
  const best = starts[losses.indexOf(Math.min(...losses))];
  assert.notEqual(best, starts[0], 'the first start is not the best here, so keeping it would fail');
  assert.deepEqual(fitMlp(train, { ...base, seed: 'a', restarts: 3 }), best);
  assert.deepEqual(fitMlp(train, { ...base, seed: 'a', restarts: 1 }), starts[0]);
});

test('fitMlp() with restarts and no validation keeps the start that fits the training rows best', () => {
  const rng = createRng('restarts-train');
  const rows = Array.from({ length: 150 }, () => Array.from({ length: 4 }, () => rng.normal()));
  const data = { x: matrixOf(rows, 4), y: Uint8Array.from(rows, (r) => (r[0]! * r[1]! > 0 ? 1 : 0)) };
  const base = { hidden: 2, l2: 1e-4, maxIter: 200 };
  const starts = ['a', 'a/restart-2', 'a/restart-3', 'a/restart-4'].map((seed) =>
    fitMlp(data, { ...base, seed }),
  );
  // The training objective is the data loss plus an L2 term too small here to change the order.
  const losses = starts.map((h) => validationLoss(h, data));
  const best = starts[losses.indexOf(Math.min(...losses))];
  assert.notEqual(best, starts[0], 'the first start is not the best here, so keeping it would fail');
  assert.deepEqual(fitMlp(data, { ...base, seed: 'a', restarts: 4 }), best);
});

test('fitTemperature() lowers the NLL of a deliberately over-confident model', () => {
  const rng = createRng('temperature');
  const z: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < 3000; i++) {
    const t = rng.normal(0, 1.5);
    y.push(rng.next() < 1 / (1 + Math.exp(-t)) ? 1 : 0);
    z.push(4 * t); // four times too confident
  }
  const T = fitTemperature(z, y);
  assert.ok(Math.abs(T - 4) < 0.6, `temperature ${T}`);
  assert.ok(nll(z, y, T) < nll(z, y, 1) - 0.1);
});

test('decisionShift() maps the MCC-optimal cut to zero', () => {
  // Positives have logits above 2, negatives below 2: the best cut is 2, so the shift is about −2.
  const z = [0, 0.5, 1, 1.5, 1.9, 2.1, 2.5, 3, 4];
  const y = [0, 0, 0, 0, 0, 1, 1, 1, 1];
  const { shift, mcc: best } = decisionShift(z, y);
  assert.ok(Math.abs(shift + 2) < 1e-9, `shift ${shift}`);
  assert.equal(best, 1);
});

test('thresholdSweep() coverage never falls as the exit band narrows, and exits are scored', () => {
  const rng = createRng('sweep');
  const p = Array.from({ length: 500 }, () => rng.next());
  const y = p.map((v) => (rng.next() < v ? 1 : 0));
  const rows = thresholdSweep(p, y);
  for (let i = 1; i < rows.length; i++) {
    assert.ok(rows[i]!.high < rows[i - 1]!.high);
    assert.ok(rows[i]!.coverage >= rows[i - 1]!.coverage);
  }
  assert.equal(rows.at(-1)!.coverage, 1);
  // The most confident exits are the most accurate on well-calibrated scores.
  assert.ok(rows[0]!.accuracy > rows.at(-1)!.accuracy);
});

test('groupFolds() and groupHoldout() never put one group on both sides, and are seeded', () => {
  const rng = createRng('groups');
  const groups = Array.from({ length: 300 }, () => `g${rng.int(0, 29)}`);
  const folds = groupFolds(groups, 5, 'a');
  const seen = new Map<string, number>();
  groups.forEach((g, i) => {
    if (seen.has(g)) assert.equal(seen.get(g), folds[i]);
    seen.set(g, folds[i]!);
  });
  assert.equal(new Set(folds).size, 5);
  assert.deepEqual(groupFolds(groups, 5, 'a'), folds);
  assert.notDeepEqual(groupFolds(groups, 5, 'b'), folds);
  const held = groupHoldout(groups, 0.2, 'a');
  const side = new Map<string, number>();
  groups.forEach((g, i) => {
    if (side.has(g)) assert.equal(side.get(g), held[i]);
    side.set(g, held[i]!);
  });
  const fraction = held.reduce((a, b) => a + b, 0) / groups.length;
  assert.ok(fraction > 0.05 && fraction <= 0.2, `held out ${fraction}`);
});

test('the embedding cache round-trips rows and resumes after a torn write', async () => {
  const root = await mkdtemp(join(tmpdir(), 'emb-'));
  try {
    const a = await openEmbeddingCache(root, { version: 'v:1', dims: 3 });
    await a.put([
      { key: 'x', vector: Float32Array.of(1, 2, 3) },
      { key: 'y', vector: Float32Array.of(4, 5, 6) },
    ]);
    await a.put([{ key: 'x', vector: Float32Array.of(9, 9, 9) }]); // already there: ignored
    // A crash after the rows were appended but before the index was rewritten.
    await appendFile(join(a.dir, 'vectors.f32'), Buffer.alloc(12 + 5));
    await a.close();
    const b = await openEmbeddingCache(root, { version: 'v:1', dims: 3 });
    assert.equal(b.size, 2);
    assert.deepEqual(Array.from(b.get('x')!), [1, 2, 3]);
    assert.deepEqual(Array.from(b.get('y')!), [4, 5, 6]);
    assert.equal((await stat(join(a.dir, 'vectors.f32'))).size, 24);
    await b.put([{ key: 'z', vector: Float32Array.of(7, 8, 9) }]);
    await b.close();
    const c = await openEmbeddingCache(root, { version: 'v:1', dims: 3 });
    assert.deepEqual(Array.from(c.get('z')!), [7, 8, 9]);
    await assert.rejects(c.put([{ key: 'w', vector: Float32Array.of(1) }]), /1 dims, the cache holds 3/);
    await c.close();
    await assert.rejects(openEmbeddingCache(root, { version: 'v:1', dims: 4 }), /another embedder/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('foldNormalization() gives the same logits without the normalisation block', () => {
  const rng = createRng('fold');
  const rows = Array.from({ length: 200 }, () => [rng.normal(5, 3), rng.normal(-2, 0.1), rng.normal()]);
  const data = {
    x: matrixOf(rows, 3),
    y: Uint8Array.from(rows, (r) => (r[0]! - 5 + 10 * (r[1]! + 2) > 0 ? 1 : 0)),
  };
  for (const head of [fitLogistic(data, { l2: 1e-3 }), fitMlp(data, { hidden: 4, seed: 'f', maxIter: 50 })]) {
    const folded = foldNormalization(head);
    assert.equal(folded.normalize, undefined);
    const a = logits(head, data.x);
    const b = logits(folded, data.x);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-9));
  }
});
