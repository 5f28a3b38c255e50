// Conv heads: the onnxruntime gradients match finite differences of the loss the served head
// computes, zero epochs is the logistic head on the frozen pooled features, and fine-tuning learns
// an object the starting convolution cannot see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from 'onnxruntime-node';
import { createRng } from '../../core/random/index.js';
import { convGraph, convPool, headLogit, packConv, type ConvSpec } from '../../inference/heads/index.js';
import { openOrtSession } from '../../inference/runtimes/onnx/index.js';
import { fitConv } from './_conv.js';
import { fitLogistic, foldNormalization, logits, type Labelled, type Matrix, type Vectors } from './_fit.js';
import { bce } from './_loss.js';
import { auc } from './_metrics.js';

const normal = (rng: ReturnType<typeof createRng>, n: number, sd = 1) =>
  Float32Array.from({ length: n }, () => rng.normal(0, sd));

test('the conv graph gives the gradient of Σ S·bce(z) the served head computes (finite differences)', async () => {
  const spec: ConvSpec = { cells: 3, cellDims: 4, units: 5, pooling: 'max' };
  const tail = 2;
  const rng = createRng('conv-grad');
  const n = 6;
  const X = normal(rng, n * 12);
  const T = normal(rng, n * tail);
  const Y = Float32Array.from({ length: n }, (_, i) => i % 2);
  const S = Float32Array.from({ length: n }, (_, i) => 0.1 + 0.05 * i);
  const W = normal(rng, 4 * 5, 0.8); // [cellDims, units]
  const b = Float32Array.from({ length: 5 }, (_, j) => 0.5 + 0.4 * j); // channel 4 near the cap
  const v = normal(rng, 5 + tail);
  const c = Float32Array.of(0.3);
  // The served head's loss in double precision, from the same numbers.
  const loss = (w: Float32Array, bb: Float32Array, vv: Float32Array, cc: number) => {
    const rows = Array.from({ length: 5 }, (_, j) => Array.from({ length: 4 }, (_, i) => w[i * 5 + j]!));
    const packed = packConv(rows, Array.from(bb));
    let total = 0;
    for (let r = 0; r < n; r++) {
      const pooled = new Float64Array(5);
      convPool(spec, packed, X.subarray(r * 12, (r + 1) * 12), pooled);
      let z = cc;
      for (let j = 0; j < 5; j++) z += vv[j]! * pooled[j]!;
      for (let t = 0; t < tail; t++) z += vv[5 + t]! * T[r * tail + t]!;
      total += S[r]! * bce(z, Y[r]!).loss;
    }
    return total;
  };
  const session = await openOrtSession(convGraph(spec, tail, true), {});
  const out = await session.run({
    X: new Tensor('float32', X, [n, 3, 4]),
    T: new Tensor('float32', T, [n, tail]),
    Y: new Tensor('float32', Y, [n, 1]),
    S: new Tensor('float32', S, [n, 1]),
    W: new Tensor('float32', W, [4, 5]),
    b: new Tensor('float32', b, [5]),
    v: new Tensor('float32', v, [7, 1]),
    c: new Tensor('float32', c, [1]),
  });
  await session.release();
  assert.ok(Math.abs((out.loss!.data as Float32Array)[0]! - loss(W, b, v, c[0]!)) < 1e-5);
  const eps = 1e-3;
  const check = (name: string, p: Float32Array, at: (q: Float32Array) => number) => {
    const g = out[name]!.data as Float32Array;
    let moved = 0;
    for (let i = 0; i < p.length; i++) {
      const keep = p[i]!;
      p[i] = keep + eps;
      const up = at(p);
      p[i] = keep - eps;
      const down = at(p);
      p[i] = keep;
      const numeric = (up - down) / (2 * eps);
      assert.ok(Math.abs(numeric - g[i]!) < 2e-3, `${name}[${i}]: ${g[i]} vs numeric ${numeric}`);
      if (Math.abs(numeric) > 1e-3) moved++;
    }
    return moved;
  };
  const movedW = check('gW', W, (q) => loss(q, b, v, c[0]!));
  check('gb', b, (q) => loss(W, q, v, c[0]!));
  check('gv', v, (q) => loss(W, b, q, c[0]!));
  check('gc', c, (q) => loss(W, b, v, q[0]!));
  assert.ok(movedW > 5, `only ${movedW} convolution weights move the loss: the check would be empty`);
});

/** Bags of 4 cells of 6 values; a positive hides one "object" (a fixed direction) in one cell. */
function bags(seed: string, n: number): Labelled {
  const rng = createRng(seed);
  const object = [2.5, -2.5, 2.5, 0, 0, 0];
  const cols = 4 * 6 + 1;
  const data = new Float32Array(n * cols);
  const y = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    y[r] = r % 2;
    for (let i = 0; i < 24; i++) data[r * cols + i] = rng.normal(0, 1);
    if (y[r]) {
      const k = Math.floor(rng.next() * 4);
      for (let i = 0; i < 6; i++) data[r * cols + k * 6 + i]! += object[i]!;
    }
    data[r * cols + 24] = rng.normal(0, 1); // a tail that carries nothing
  }
  return { x: { rows: n, cols, data }, y };
}

/** A matrix's rows as the vectors `fitConv` reads (views into it). */
function vectorsOf(m: Matrix): Vectors {
  return {
    cols: m.cols,
    of: Array.from({ length: m.rows }, (_, i) => m.data.subarray(i * m.cols, (i + 1) * m.cols)),
  };
}

// A starting convolution blind to the object: its 8 channels read only values 3..5.
const blind = (() => {
  const rng = createRng('conv-blind');
  const weights = new Float32Array(8 * 6);
  for (let j = 0; j < 8; j++) for (let i = 3; i < 6; i++) weights[j * 6 + i] = rng.normal(0, 0.5);
  return { weights, bias: new Float32Array(8).fill(0.5) };
})();
const SPEC: ConvSpec = { cells: 4, cellDims: 6, units: 8, pooling: 'max' };

test("zero epochs is the logistic head on the starting convolution's pooled features", async () => {
  const train = bags('conv-zero', 200);
  const head = await fitConv({ ...train, x: vectorsOf(train.x) }, SPEC, blind, {
    l2: 0.01,
    epochs: 0,
    lr: 1e-2,
    seed: 's',
  });
  assert.equal(head.type, 'conv');
  assert.deepEqual(Array.from(head.layers[0]!.bias), Array.from(blind.bias));
  const rows = Array.from({ length: 8 }, (_, j) => Array.from(blind.weights.subarray(j * 6, (j + 1) * 6)));
  const packed = packConv(rows, Array.from(blind.bias));
  const pooled = new Float32Array(200 * 9);
  for (let r = 0; r < 200; r++) {
    const p = new Float64Array(8);
    convPool(SPEC, packed, train.x.data.subarray(r * 25, r * 25 + 24), p);
    pooled.set(p, r * 9);
    pooled[r * 9 + 8] = train.x.data[r * 25 + 24]!;
  }
  const logistic = foldNormalization(
    fitLogistic({ ...train, x: { rows: 200, cols: 9, data: pooled } }, { l2: 0.01 }),
  );
  const a = logits(head, train.x);
  const b = logits(logistic, { rows: 200, cols: 9, data: pooled });
  for (let r = 0; r < 200; r++) assert.ok(Math.abs(a[r]! - b[r]!) < 1e-4, `row ${r}: ${a[r]} vs ${b[r]}`);
});

test(
  'fine-tuning the convolution learns an object the starting weights cannot see',
  { timeout: 60_000 },
  async () => {
    const train = bags('conv-train', 600);
    const held = bags('conv-held', 400);
    const fit = (epochs: number) =>
      fitConv({ ...train, x: vectorsOf(train.x) }, SPEC, blind, { l2: 1e-4, epochs, lr: 0.02, seed: 's' });
    const frozen = await fit(0);
    const tuned = await fit(40);
    const heldAuc = (h: Awaited<ReturnType<typeof fit>>) =>
      auc(Array.from(logits(h, held.x)), Array.from(held.y));
    const before = heldAuc(frozen);
    const after = heldAuc(tuned);
    assert.ok(before < 0.65, `the frozen convolution already sees the object: AUC ${before}`);
    assert.ok(after > 0.9, `fine-tuned held-out AUC ${after} (frozen ${before})`);
    // The served function is the trained one: headLogit agrees with the batch scorer.
    const row = held.x.data.subarray(0, 25);
    assert.ok(Math.abs(headLogit(tuned, row) - logits(tuned, { rows: 1, cols: 25, data: row })[0]!) < 1e-9);
  },
);
