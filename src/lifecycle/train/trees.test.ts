// Boosted trees heads: what they learn that linear heads cannot, their determinism, their file, and
// a whole training run on a slice of the columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../core/random/index.js';
import { headLogit, loadHead, treeLeaf, type Head } from '../../inference/heads/index.js';
import { fitLogistic, logits, matrixOf, type Labelled } from './_fit.js';
import { slicedRows, wideAndNarrowLogits } from './_test-columns.js';
import { fitTrees } from './_trees.js';
import { trainHead, writeHead, type ViewRow } from './index.js';

/** Rows whose label is the sign of x0·x1 (XOR of the signs), a third column of noise. */
function xorRows(n: number, seed: string): Labelled {
  const rng = createRng(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b] = [rng.uniform(-1, 1), rng.uniform(-1, 1)];
    rows.push([a, b, rng.normal()]);
    y.push(a * b > 0 ? 1 : 0);
  }
  return { x: matrixOf(rows, 3), y: Uint8Array.from(y) };
}

function accuracy(head: Head, data: Labelled): number {
  const z = logits(head, data.x);
  return z.reduce((s, v, i) => s + ((v > 0 ? 1 : 0) === data.y[i] ? 1 : 0), 0) / z.length;
}

const SHAPE = { count: 60, depth: 3, rate: 0.2 };

test('fitTrees() learns XOR, which no linear head can, and holds it on new rows', () => {
  const train = xorRows(2000, 'xor-train');
  const fresh = xorRows(1000, 'xor-fresh');
  const head = fitTrees(train, { ...SHAPE, seed: 's' });
  assert.deepEqual([head.format, head.version, head.type, head.inputDims], ['roadwork-head', 5, 'trees', 3]);
  assert.equal(head.trees?.trees.length, 60);
  assert.ok(accuracy(head, fresh) > 0.93, `trees: ${accuracy(head, fresh)}`);
  assert.ok(accuracy(fitLogistic(train), fresh) < 0.65, 'a linear head cannot');
});

test('fitTrees() is deterministic for a seed, and every leaf holds at least minLeaf training rows', () => {
  const data = xorRows(800, 'xor-seed');
  const a = fitTrees(data, { ...SHAPE, seed: 'one', minLeaf: 40 });
  assert.deepEqual(fitTrees(data, { ...SHAPE, seed: 'one', minLeaf: 40 }), a);
  assert.notDeepEqual(fitTrees(data, { ...SHAPE, seed: 'two', minLeaf: 40 }).trees, a.trees);
  for (const t of a.trees!.trees) {
    const counts = new Map<number, number>();
    for (let r = 0; r < data.x.rows; r++) {
      const leaf = treeLeaf(t, data.x.data.subarray(r * 3, r * 3 + 3));
      counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
    }
    // Grown on a sample of 80 % of the rows, each leaf held ≥ 40 of them, so ≥ 40 of all rows.
    for (const [leaf, n] of counts) assert.ok(n >= 40, `leaf ${leaf} holds ${n} rows`);
  }
});

test('fitTrees() balances the classes: the base logit is 0 balanced, the log-odds of the labels without', () => {
  const rng = createRng('rare');
  const rows = Array.from({ length: 2000 }, (_, i) => [
    i % 20 === 0 ? rng.uniform(0.9, 1) : rng.uniform(-1, 0.85),
  ]);
  const data = { x: matrixOf(rows, 1), y: Uint8Array.from(rows, (_, i) => (i % 20 === 0 ? 1 : 0)) };
  const balanced = fitTrees(data, { count: 5, depth: 1, rate: 0.3, seed: 'r' });
  assert.ok(Math.abs(balanced.trees!.base) < 1e-9);
  assert.ok(headLogit(balanced, [0.95]) > 0, 'the rare label is called where it lives');
  assert.ok(headLogit(balanced, [0]) < 0);
  const plain = fitTrees(data, { count: 5, depth: 1, rate: 0.3, seed: 'r', balance: false });
  assert.ok(Math.abs(plain.trees!.base - Math.log(100 / 1900)) < 1e-9);
});

test('a trees head written to a file gives the same logits on the rows it was fitted on (thresholds lie between values)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rw-trees-'));
  try {
    // Values on a coarse grid: many rows sit on every cut's neighbours, and 7 digits must separate them.
    const rng = createRng('grid');
    const rows = Array.from({ length: 600 }, () => [rng.int(0, 20) / 7 + 1000, rng.int(0, 3) * 1e-3]);
    const y = Uint8Array.from(rows, ([a, b]) => ((a! - 1000) * 7 + b! * 1e3 > 12 ? 1 : 0));
    const data = { x: matrixOf(rows, 2), y };
    const head = fitTrees(data, { count: 30, depth: 3, rate: 0.3, seed: 'w', minLeaf: 5 });
    await writeHead(join(dir, 'h.json'), head);
    const back = await loadHead(join(dir, 'h.json'));
    const z = logits(head, data.x);
    const zb = logits(back, data.x);
    z.forEach((v, i) => assert.ok(Math.abs(v - zb[i]!) < 1e-4, `row ${i}: ${v} against ${zb[i]}`));
    assert.ok(accuracy(back, data) > 0.95);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("trainHead() with model trees on a slice of the columns writes a version 5 column head of the slice's logits", async () => {
  // Column 1 holds the label as a band (inside ±1), which a linear head cannot read; 0 and 2 are noise.
  const rng = createRng('trees-columns');
  const rows: ViewRow[] = Array.from({ length: 300 }, (_, i) => {
    const label = (i % 2) as 0 | 1;
    const band = label ? rng.uniform(-0.8, 0.8) : rng.choice([-1, 1]) * rng.uniform(1.2, 3);
    return {
      image: i,
      group: `g${i % 6}`,
      label,
      level: 'source',
      x: Float32Array.of(rng.normal() * 5, band, rng.normal()),
    };
  });
  const options = {
    model: 'trees' as const,
    trees: { count: 30, depth: 2, rate: 0.3 },
    l2: [1],
    hidden: 4,
    folds: 3,
    tta: false,
    trainOnFlips: false,
    targetAccuracy: 0.95,
    seed: 't',
    log: () => undefined,
  };
  const run = await trainHead(rows, 'v', { ...options, columns: [1, 2] });
  const wide = run.head;
  assert.deepEqual([wide.version, wide.type, wide.inputDims, wide.columns], [5, 'trees', 3, [1, 2]]);
  assert.deepEqual(wide.metrics?.['trees'], { count: 30, depth: 2, rate: 0.3 });
  assert.ok(wide.trees!.trees.every((t) => t.feature.every((f) => f === -1 || f === 0)));
  assert.ok(run.report.overall.mcc!.value > 0.8, `CV MCC ${run.report.overall.mcc!.value}`);
  const narrow = (await trainHead(slicedRows(rows, [1, 2]), 'v', options)).head;
  const [a, b] = wideAndNarrowLogits(wide, narrow, rows, [1, 2]);
  assert.deepEqual(a, b);
  assert.deepEqual([wide.temperature, wide.shift], [narrow.temperature, narrow.shift]);
});
