// Benchmark (not a test): what a conv head (`roadwork train --model conv`) costs per row, on rows
// shaped like the starter's cells at 224 px (49 cells of 320, a 140-value tail, a 1280-channel
// convolution), one after the other in one run:
// - a training step (forward and backward) by the onnxruntime graph `fitConv` uses, against the same
//   loss differentiated by TensorFlow.js on its wasm backend (the other CPU trainer this package has);
// - scoring, by `openHeadScorer` (onnxruntime) against `headLogit`'s JS loop.
// Usage: node --import tsx bench/conv-fit.ts [--rows 512] [--batch 64]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Tensor } from 'onnxruntime-node';
import { createRng } from '../src/core/random/index.js';
import { convGraph, headLogit, openHeadScorer, parseHead } from '../src/inference/heads/index.js';
import { openOrtSession } from '../src/inference/runtimes/onnx/index.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '512' }, batch: { type: 'string', default: '64' } },
});
const [rows, batch] = [Number(values.rows), Number(values.batch)];
const [cells, cellDims, units, tail] = [49, 320, 1280, 140];
const rng = createRng('bench-conv-fit');
const normal = (n: number, sd = 1) => Float32Array.from({ length: n }, () => rng.normal(0, sd));
const X = normal(rows * cells * cellDims);
const T = normal(rows * tail);
const W = normal(cellDims * units, 0.07);
const b = normal(units, 2);
const v = normal(units + tail, 0.05);
const Y = Float32Array.from({ length: rows }, (_, i) => i % 2);

const rate = (label: string, ms: number, n: number) => {
  console.log(`${label.padEnd(44)} ${(n / (ms / 1000)).toFixed(0).padStart(6)} rows/s`);
  return n / (ms / 1000);
};

// 1. onnxruntime: the training graph, batch by batch.
const session = await openOrtSession(convGraph({ cells, cellDims, units, pooling: 'max' }, tail, true), {
  intraOpNumThreads: 0,
});
const step = async (from: number) => {
  const n = Math.min(batch, rows - from);
  await session.run({
    X: new Tensor('float32', X.subarray(from * cells * cellDims, (from + n) * cells * cellDims), [
      n,
      cells,
      cellDims,
    ]),
    T: new Tensor('float32', T.subarray(from * tail, (from + n) * tail), [n, tail]),
    Y: new Tensor('float32', Y.subarray(from, from + n), [n, 1]),
    S: new Tensor('float32', new Float32Array(n).fill(1 / n), [n, 1]),
    W: new Tensor('float32', W, [cellDims, units]),
    b: new Tensor('float32', b, [units]),
    v: new Tensor('float32', v, [units + tail, 1]),
    c: new Tensor('float32', Float32Array.of(0), [1]),
  });
};
await step(0);
let t0 = performance.now();
for (let from = 0; from < rows; from += batch) await step(from);
const ort = rate('train step, onnxruntime graph', performance.now() - t0, rows);
await session.release();

// 2. TensorFlow.js (wasm): the same loss, differentiated by tf.variableGrads.
await tf.setBackend('wasm');
const tW = tf.variable(tf.tensor2d(W, [cellDims, units]));
const tb = tf.variable(tf.tensor1d(b));
const tv = tf.variable(tf.tensor2d(v, [units + tail, 1]));
const tfStep = (from: number) => {
  const n = Math.min(batch, rows - from);
  const grads = tf.tidy(() => {
    const x = tf.tensor2d(X.subarray(from * cells * cellDims, (from + n) * cells * cellDims), [
      n * cells,
      cellDims,
    ]);
    const t = tf.tensor2d(T.subarray(from * tail, (from + n) * tail), [n, tail]);
    const y = tf.tensor2d(Y.subarray(from, from + n), [n, 1]);
    const { grads: g } = tf.variableGrads(() => {
      const h = tf.clipByValue(tf.add(tf.matMul(x, tW), tb), 0, 6);
      const p = tf.max(tf.reshape(h, [n, cells, units]), 1);
      const z = tf.matMul(tf.concat([p, t], 1), tv);
      return tf.mean(tf.sub(tf.softplus(z), tf.mul(y, z))) as tf.Scalar;
    });
    return Object.values(g);
  });
  for (const g of grads) {
    g.dataSync();
    g.dispose();
  }
};
tfStep(0);
t0 = performance.now();
const tfRows = Math.min(rows, 4 * batch);
for (let from = 0; from < tfRows; from += batch) tfStep(from);
const wasm = rate('train step, TensorFlow.js wasm', performance.now() - t0, tfRows);
console.log(`onnxruntime / wasm: ${(ort / wasm).toFixed(1)}×`);

// 3. Scoring a trained head.
const head = parseHead({
  format: 'roadwork-head',
  version: 3,
  type: 'conv',
  inputDims: cells * cellDims + tail,
  conv: { cells, cellDims, units, pooling: 'max' },
  layers: [
    {
      weights: Array.from({ length: units }, (_, j) =>
        Array.from({ length: cellDims }, (_, c) => W[c * units + j]!),
      ),
      bias: Array.from(b),
      activation: 'relu6',
    },
    { weights: [Array.from(v)], bias: [0], activation: 'none' },
  ],
  temperature: 1,
  shift: 0,
});
const embeddings = Array.from({ length: Math.min(rows, 64) }, (_, r) => {
  const e = new Float32Array(cells * cellDims + tail);
  e.set(X.subarray(r * cells * cellDims, (r + 1) * cells * cellDims));
  e.set(T.subarray(r * tail, (r + 1) * tail), cells * cellDims);
  return e;
});
t0 = performance.now();
for (const e of embeddings) headLogit(head, e);
const js = rate('score, headLogit (JS)', performance.now() - t0, embeddings.length);
const scorer = await openHeadScorer(head);
await scorer.logits(embeddings.slice(0, 2));
t0 = performance.now();
for (let i = 0; i < embeddings.length; i += 2) await scorer.logits(embeddings.slice(i, i + 2));
const served = rate(
  'score, openHeadScorer (pairs, as TTA serves)',
  performance.now() - t0,
  embeddings.length,
);
await scorer.close();
console.log(`onnxruntime / JS: ${(served / js).toFixed(1)}×`);
