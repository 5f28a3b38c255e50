// Fits a conv head: the backbone's last 1×1 convolution, started from the backbone's own weights,
// fine-tuned together with the output layer on the cells of a spatial embedding. The gradients come
// from an onnxruntime graph (forward and backward written out as ONNX ops), 28× TensorFlow.js's
// wasm backend here (bench/conv-fit.ts); the updates (Adam) run in JS.
import { isMainThread } from 'node:worker_threads';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { convGraph, convTail, type ConvSpec, type Head } from '../../inference/heads/index.js';
import { openOrtSession } from '../../inference/runtimes/onnx/index.js';
import { transposed } from '../../core/linalg/index.js';
import { createRng } from '../../core/random/index.js';
import {
  fitLogistic,
  foldNormalization,
  sampleWeights,
  type ColumnL2,
  type LabelledVectors,
} from './_fit.js';

/** Where the convolution starts: `units` rows of `cellDims` (row-major) and a bias per unit. */
export interface ConvInit {
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** How a conv head is fitted. */
export interface ConvFitOptions {
  /**
   * L2 of the first (frozen-convolution) logistic fit of the output layer, and the pull of the
   * convolution back to its starting weights while fine-tuning (`l2/2 · ‖W − W₀‖²`, "L2-SP").
   */
  readonly l2: number;
  /** Scaled L2 on columns of the output layer's input (the pool first, then the tail). */
  readonly columnL2?: readonly ColumnL2[];
  /** Passes over the rows fine-tuning everything (0: the output layer alone, on frozen features). */
  readonly epochs: number;
  /** Adam's step size. */
  readonly lr: number;
  /** Rows per step. Default 64. */
  readonly batch?: number;
  /** Shuffles the rows each epoch. */
  readonly seed: string;
  readonly maxIter?: number;
}

const ROWS_PER_RUN = 256;

/** A conv head's training rows: each row's cells then its tail, read a batch at a time (never stacked). */
export type ConvData = Omit<LabelledVectors, 'style'>;

/**
 * Class-balanced conv head on `data` (rows: `spec.cells` cells of `spec.cellDims`, then a tail). The
 * output layer is first fitted by L-BFGS on the features the starting convolution gives (max-pooled,
 * exactly what the backbone's `pooling: max` embedding is), then every weight moves for
 * `options.epochs` passes of Adam. Uncalibrated (temperature 1, shift 0).
 */
export async function fitConv(
  data: ConvData,
  spec: ConvSpec,
  init: ConvInit,
  options: ConvFitOptions,
): Promise<Head> {
  const graphs = await openConvGraphs(spec, tailOf(data, spec));
  try {
    const conv = { w: transposed(init.weights, spec.units, spec.cellDims), b: Float32Array.from(init.bias) };
    const out = fitOutput(data, spec, await pooledRows(graphs.forward, data, spec, conv), options);
    if (options.epochs > 0) await fineTune(graphs.train, data, spec, conv, out, init, options);
    return convHead(data.x.cols, spec, conv, out);
  } finally {
    await Promise.all([graphs.forward.release(), graphs.train.release()]);
  }
}

/** The trainable numbers: the convolution `[cellDims, units]` and the output layer. */
interface ConvParams {
  readonly w: Float32Array;
  readonly b: Float32Array;
}
interface OutParams {
  /** `units` weights for the pool, then the tail's. */
  readonly v: Float32Array;
  readonly c: Float32Array;
}

function tailOf(data: ConvData, spec: ConvSpec): number {
  return convTail(spec, data.x.cols);
}

/**
 * Rows `from..to` of `order` (of the rows as they lie, without one) as the graph's inputs: their
 * cells `[n, cells, cellDims]` and tails `[n, tail]`.
 */
function batchInputs(data: ConvData, spec: ConvSpec, from: number, to: number, order?: ArrayLike<number>) {
  const { cells, cellDims } = spec;
  const block = cells * cellDims;
  const tail = data.x.cols - block;
  const n = to - from;
  const x = new Float32Array(n * block);
  const t = new Float32Array(n * tail);
  for (let i = 0; i < n; i++) {
    const row = data.x.of[order ? (order[from + i] as number) : from + i]!;
    x.set(row.subarray(0, block), i * block);
    t.set(row.subarray(block), i * tail);
  }
  return {
    X: new Tensor('float32', x, [n, cells, cellDims]),
    T: new Tensor('float32', t, [n, tail]),
  };
}

/** Every row's pooled features under `conv`, then its tail: the output layer's input. */
async function pooledRows(
  forward: InferenceSession,
  data: ConvData,
  spec: ConvSpec,
  conv: ConvParams,
): Promise<Float32Array> {
  const tail = tailOf(data, spec);
  const width = spec.units + tail;
  const rows = data.x.of.length;
  const out = new Float32Array(rows * width);
  const W = new Tensor('float32', conv.w, [spec.cellDims, spec.units]);
  const b = new Tensor('float32', conv.b, [spec.units]);
  for (let from = 0; from < rows; from += ROWS_PER_RUN) {
    const to = Math.min(rows, from + ROWS_PER_RUN);
    const { X, T } = batchInputs(data, spec, from, to);
    const { P } = await forward.run({ X, W, b });
    const pooled = P!.data as Float32Array;
    for (let i = 0; i < to - from; i++) {
      out.set(pooled.subarray(i * spec.units, (i + 1) * spec.units), (from + i) * width);
      out.set((T.data as Float32Array).subarray(i * tail, (i + 1) * tail), (from + i) * width + spec.units);
    }
  }
  return out;
}

/** The output layer by L-BFGS on the pooled features (standardisation folded in). */
function fitOutput(data: ConvData, spec: ConvSpec, pooled: Float32Array, options: ConvFitOptions): OutParams {
  const width = spec.units + tailOf(data, spec);
  const head = foldNormalization(
    fitLogistic(
      { ...data, x: { rows: data.x.of.length, cols: width, data: pooled } },
      {
        l2: options.l2,
        ...(options.columnL2 ? { columnL2: options.columnL2 } : {}),
        ...(options.maxIter ? { maxIter: options.maxIter } : {}),
      },
    ),
  );
  const layer = head.layers[0]!;
  return { v: Float32Array.from(layer.weights[0]!), c: Float32Array.of(layer.bias[0]!) };
}

/** Adam over the convolution and the output layer; the convolution is pulled back to `init`. */
async function fineTune(
  train: InferenceSession,
  data: ConvData,
  spec: ConvSpec,
  conv: ConvParams,
  out: OutParams,
  init: ConvInit,
  options: ConvFitOptions,
): Promise<void> {
  const rows = data.x.of.length;
  const batch = options.batch ?? 64;
  // Per-row weights averaging 1 (class-balanced): a step's loss is its rows' mean.
  const sw = sampleWeights(data.y, true, data.weight).map((w) => w * rows);
  const start = transposed(init.weights, spec.units, spec.cellDims);
  const params = [conv.w, conv.b, out.v, out.c];
  const adam = params.map((p) => ({ m: new Float32Array(p.length), s: new Float32Array(p.length) }));
  const rng = createRng(`conv:${options.seed}`);
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  let step = 0;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    for (let i = rows - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let from = 0; from < rows; from += batch) {
      const to = Math.min(rows, from + batch);
      const n = to - from;
      const { X, T } = batchInputs(data, spec, from, to, order);
      const y = new Float32Array(n);
      const s = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = data.y[order[from + i]!]!;
        s[i] = sw[order[from + i]!]! / n;
      }
      const grads = await train.run({
        X,
        T,
        Y: new Tensor('float32', y, [n, 1]),
        S: new Tensor('float32', s, [n, 1]),
        W: new Tensor('float32', conv.w, [spec.cellDims, spec.units]),
        b: new Tensor('float32', conv.b, [spec.units]),
        v: new Tensor('float32', out.v, [out.v.length, 1]),
        c: new Tensor('float32', out.c, [1]),
      });
      const g = ['gW', 'gb', 'gv', 'gc'].map((k) => grads[k]!.data as Float32Array);
      for (let i = 0; i < conv.w.length; i++) g[0]![i]! += options.l2 * (conv.w[i]! - start[i]!);
      for (let i = 0; i < conv.b.length; i++) g[1]![i]! += options.l2 * (conv.b[i]! - init.bias[i]!);
      step++;
      params.forEach((p, k) => adamStep(p, g[k]!, adam[k]!, options.lr, step));
    }
  }
}

function adamStep(
  p: Float32Array,
  g: Float32Array,
  state: { m: Float32Array; s: Float32Array },
  lr: number,
  t: number,
): void {
  const b1 = 0.9;
  const b2 = 0.999;
  const c1 = 1 - b1 ** t;
  const c2 = 1 - b2 ** t;
  for (let i = 0; i < p.length; i++) {
    const m = (state.m[i] = b1 * state.m[i]! + (1 - b1) * g[i]!);
    const s = (state.s[i] = b2 * state.s[i]! + (1 - b2) * g[i]! * g[i]!);
    p[i]! -= (lr * (m / c1)) / (Math.sqrt(s / c2) + 1e-8);
  }
}

function convHead(inputDims: number, spec: ConvSpec, conv: ConvParams, out: OutParams): Head {
  const rows = transposed(conv.w, spec.cellDims, spec.units);
  return {
    format: 'roadwork-head',
    version: 3,
    type: 'conv',
    inputDims,
    conv: spec,
    layers: [
      {
        weights: Array.from({ length: spec.units }, (_, j) =>
          Array.from(rows.subarray(j * spec.cellDims, (j + 1) * spec.cellDims)),
        ),
        bias: Array.from(conv.b),
        activation: 'relu6',
      },
      { weights: [Array.from(out.v)], bias: [out.c[0]!], activation: 'none' },
    ],
    temperature: 1,
    shift: 0,
  };
}

/** `convGraph`'s two sessions: the pooled features, and the loss with its gradients. */
async function openConvGraphs(
  spec: ConvSpec,
  tail: number,
): Promise<{ forward: InferenceSession; train: InferenceSession }> {
  // In this thread a fit has the cores to itself; on --fit-workers threads each takes one.
  const options = { intraOpNumThreads: isMainThread ? 0 : 1, graphOptimizationLevel: 'all' as const };
  return {
    forward: await openOrtSession(convGraph(spec, tail, false), options),
    train: await openOrtSession(convGraph(spec, tail, true), options),
  };
}
