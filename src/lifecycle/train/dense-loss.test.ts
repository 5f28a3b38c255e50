// The dense heads' objectives: the blocked loops and the MLP kernel equal the row-at-a-time ones bit for bit, their
// gradient is the loss's (finite differences).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRng, type Rng } from '../../core/random/index.js';
import type { Head } from '../../inference/heads/index.js';
import { matrixOf, sampleWeights, validationLoss } from './_fit.js';
import { kernelLayer } from './_mlp-kernel.js';
import {
  blockedHiddenLayer,
  logisticObjective,
  mlpDataLoss,
  mlpObjective,
  rowwiseLogisticObjective,
  rowwiseMlpObjective,
  type MlpProblem,
} from './_dense-loss.js';

/** A random problem and a point in its weights, with one hidden unit always off and one always on. */
function problem(rng: Rng, rows: number, cols: number, hidden: number): { p: MlpProblem; w: Float64Array } {
  const xs = Float64Array.from({ length: rows * cols }, () => rng.normal() * (rng.next() < 0.05 ? 30 : 1));
  const p: MlpProblem = {
    xs,
    y: Uint8Array.from({ length: rows }, () => (rng.next() < 0.4 ? 1 : 0)),
    sw: Float64Array.from({ length: rows }, () => rng.next() / rows),
    rows,
    cols,
    hidden,
    l2In: Float64Array.from({ length: cols }, () => rng.next() * 0.1),
    l2: 0.03,
  };
  const w = Float64Array.from({ length: hidden * cols + 2 * hidden + 1 }, () => rng.normal());
  w[hidden * cols] = -1e3;
  w[hidden * cols + 1] = 1e3;
  return { p, w };
}

/** Each gradient element `g[i]` against the loss's central difference at `w` (step 1e-6). */
function assertCentralDifferences(
  f: (w: Float64Array, g: Float64Array) => number,
  w: Float64Array,
  g: Float64Array,
  absolute: number,
  what: string,
): void {
  const h = 1e-6;
  for (let i = 0; i < w.length; i++) {
    const [up, down] = [Float64Array.from(w), Float64Array.from(w)];
    up[i]! += h;
    down[i]! -= h;
    const numeric = (f(up, new Float64Array(w.length)) - f(down, new Float64Array(w.length))) / (2 * h);
    assert.ok(
      Math.abs(numeric - g[i]!) < absolute + 1e-4 * Math.abs(numeric),
      `${what}: ${i}: ${g[i]} vs ${numeric}`,
    );
  }
}

test('the MLP objective on the kernel and on blocked JavaScript gives the row-at-a-time loss and gradient bit for bit', () => {
  const rng = createRng('mlp-objective');
  // Row counts below, at and past a block, and not a multiple of it; odd column counts (the kernel
  // pads them); unit counts below, at and past the kernel's eight; one hidden unit always off.
  for (const [rows, cols, hidden] of [
    [1, 3, 2],
    [8, 5, 3],
    [13, 7, 5],
    [37, 16, 9],
    [70, 2, 4],
    [53, 33, 17],
  ] as const) {
    const { p, w } = problem(rng, rows, cols, hidden);
    const kernel = kernelLayer(p.xs, rows, cols, hidden);
    assert.ok(kernel, 'the kernel gets its memory');
    const gRowwise = new Float64Array(w.length);
    const rowwise = rowwiseMlpObjective(p)(w, gRowwise);
    for (const [name, layer] of [
      ['kernel', kernel],
      ['blocked', blockedHiddenLayer(p)],
    ] as const) {
      const what = `${name}, ${rows}×${cols}, ${hidden} units`;
      const f = mlpObjective(p, layer);
      const g = new Float64Array(w.length);
      const loss = f(w, g);
      assert.ok(Object.is(loss, rowwise), `${what}: loss ${loss} vs ${rowwise}`);
      gRowwise.forEach((v, i) => assert.ok(Object.is(g[i], v), `${what}: gradient ${i}: ${g[i]} vs ${v}`));
      // The same objective again (its buffers reused, the gradient not zeroed first) gives the same again.
      g.fill(7);
      assert.ok(Object.is(f(w, g), loss), `${what}: a second evaluation`);
      gRowwise.forEach((v, i) => assert.ok(Object.is(g[i], v), `${what}: second gradient ${i}`));
    }
  }
});

test("the MLP kernel declines rows past wasm32's 4 GiB (the objective then runs in JavaScript)", () => {
  // A million rows of 1000 columns are 8 GB of float64: it answers before reading a row.
  assert.equal(kernelLayer(new Float64Array(0), 1_000_000, 1000, 32), undefined);
  assert.ok(kernelLayer(new Float64Array(4 * 10), 4, 10, 3));
});

test('the MLP kernel is the one its WebAssembly text assembles to', () => {
  const r = spawnSync(process.execPath, ['scripts/build-kernel.mjs', '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("the MLP objective's gradient is its loss's (central differences)", () => {
  const rng = createRng('mlp-gradient');
  const { p, w } = problem(rng, 29, 6, 4);
  // Moderate inputs and weights, so no pre-activation sits within a step of ReLU's kink.
  p.xs.forEach((v, i) => (p.xs[i] = Math.max(-3, Math.min(3, v))));
  w.fill(0.3, p.hidden * p.cols, p.hidden * p.cols + 2);
  const f = mlpObjective(p);
  const g = new Float64Array(w.length);
  f(w, g);
  assertCentralDifferences(f, w, g, 1e-6, 'mlp');
});

test('the MLP data loss at a point is the validation loss of the head written from it, bit for bit', () => {
  const rng = createRng('mlp-data-loss');
  // Few rows a trial, so one row's last bit is not lost in the sum; many trials, so a sum taken in
  // another order would show.
  for (let trial = 0; trial < 60; trial++) {
    const [rows, cols, hidden] = [1 + (trial % 9), 7, 40];
    const { p, w } = problem(rng, rows, cols, hidden);
    const nW1 = hidden * cols;
    w.fill(0.3, nW1, nW1 + 2);
    const head: Head = {
      format: 'roadwork-head',
      version: 1,
      type: 'mlp',
      inputDims: cols,
      layers: [
        {
          weights: Array.from({ length: hidden }, (_, j) => Array.from(w.subarray(j * cols, (j + 1) * cols))),
          bias: Array.from(w.subarray(nW1, nW1 + hidden)),
          activation: 'relu',
        },
        {
          weights: [Array.from(w.subarray(nW1 + hidden, nW1 + 2 * hidden))],
          bias: [w[nW1 + 2 * hidden]!],
          activation: 'none',
        },
      ],
      temperature: 1,
      shift: 0,
    };
    // The head reads float32 rows, as training stores them.
    const x = matrixOf(
      Array.from({ length: rows }, (_, r) => p.xs.subarray(r * cols, (r + 1) * cols)),
      cols,
    );
    const loss = mlpDataLoss({ ...p, xs: Float64Array.from(x.data), sw: sampleWeights(p.y, true) })(w);
    const expected = validationLoss(head, { x, y: p.y });
    assert.ok(Object.is(loss, expected), `trial ${trial}: ${loss} vs ${expected}`);
  }
});

test("the blocked logistic objective gives the row-at-a-time loss and gradient bit for bit, and its gradient is its loss's", () => {
  const rng = createRng('logistic-objective');
  for (const [rows, cols] of [
    [1, 3],
    [8, 5],
    [13, 7],
    [37, 16],
    [300, 40],
  ] as const) {
    const { p } = problem(rng, rows, cols, 1);
    const w = Float64Array.from({ length: cols + 1 }, () => rng.normal() * 0.5);
    const [gBlocked, gRowwise] = [new Float64Array(w.length), new Float64Array(w.length)];
    const f = logisticObjective(p);
    const blocked = f(w, gBlocked);
    const rowwise = rowwiseLogisticObjective(p)(w, gRowwise);
    assert.ok(Object.is(blocked, rowwise), `${rows}×${cols}: loss ${blocked} vs ${rowwise}`);
    gRowwise.forEach((v, i) =>
      assert.ok(Object.is(gBlocked[i], v), `${rows}×${cols}: gradient ${i}: ${gBlocked[i]} vs ${v}`),
    );
    assertCentralDifferences(f, w, gBlocked, 1e-5, `${rows}×${cols}`);
  }
});
