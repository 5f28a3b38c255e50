// The objectives of the dense heads (`fitLogistic`, `fitMlp`: class-weighted cross-entropy plus L2),
// blocked over rows: a block's rows share each load of a weight (forward) and each load and store of
// a gradient element (backward). Every sum is still taken in the order of a row-at-a-time loop, so
// the loss and gradient are bit-identical to it (JS does not fuse multiply-adds); only the loads move.
// The MLP's hidden layer runs on a WebAssembly SIMD kernel where it can (`_mlp-kernel.ts`), equally exact.
import { bce } from './_loss.js';
import type { Objective } from './_optim.js';
import { kernelLayer, type HiddenLayer } from './_mlp-kernel.js';

export type { HiddenLayer } from './_mlp-kernel.js';

/** Standardised rows (row-major), their labels and loss weights, and the MLP's width. */
export interface MlpRows {
  readonly xs: Float64Array;
  readonly y: Uint8Array;
  readonly sw: Float64Array;
  readonly rows: number;
  readonly cols: number;
  readonly hidden: number;
}

/** What the objective reads: the rows and the L2 strengths. */
export interface MlpProblem extends MlpRows {
  /** L2 strength of each input column (applies to every hidden unit's weight on it). */
  readonly l2In: Float64Array;
  /** L2 strength of the output weights. */
  readonly l2: number;
}

/** What the logistic objective reads: the rows and each input column's L2 strength (none on the bias). */
export type LogisticProblem = Omit<MlpRows, 'hidden'> & { readonly l2In: Float64Array };

/** Rows per block: the forward pass keeps this many running sums per output. */
const BLOCK = 8;

/** The loss and gradient of a logistic head over the parameter layout `w (cols), b`. */
export function logisticObjective(p: LogisticProblem): Objective {
  const { xs, y, sw, rows, cols: d, l2In } = p;
  const z = new Float64Array(BLOCK);
  const on = new Int32Array(BLOCK);
  const k = new Float64Array(BLOCK);
  return (w, g) => {
    g.fill(0);
    let loss = 0;
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const m = Math.min(BLOCK, rows - r0);
      blockDots(xs, d, w, 0, w[d]!, r0, m, z, 0, 1);
      for (let i = 0; i < m; i++) {
        const r = r0 + i;
        const e = bce(z[i]!, y[r]!);
        loss += sw[r]! * e.loss;
        k[i] = sw[r]! * e.dz;
        on[i] = r * d;
      }
      inputGradient(xs, d, g, 0, on, k, m);
      for (let i = 0; i < m; i++) g[d]! += k[i]!;
    }
    for (let c = 0; c < d; c++) {
      loss += 0.5 * l2In[c]! * w[c]! * w[c]!;
      g[c]! += l2In[c]! * w[c]!;
    }
    return loss;
  };
}

/** The kernel's hidden layer where its memory can be had, else JavaScript's. */
export function hiddenLayer(p: MlpRows): HiddenLayer {
  return kernelLayer(p.xs, p.rows, p.cols, p.hidden) ?? blockedHiddenLayer(p);
}

/** The hidden layer in JavaScript, blocked over rows. */
export function blockedHiddenLayer(p: MlpRows): HiddenLayer {
  const { xs, rows, cols: d, hidden: hdn } = p;
  const a = new Float64Array(rows * hdn);
  const factors = new Float64Array(rows * hdn);
  const on = new Int32Array(BLOCK);
  const k = new Float64Array(BLOCK);
  return {
    stride: hdn,
    factors,
    forward(w) {
      for (let r0 = 0; r0 < rows; r0 += BLOCK) {
        const m = Math.min(BLOCK, rows - r0);
        for (let j = 0; j < hdn; j++)
          blockDots(xs, d, w, j * d, w[hdn * d + j]!, r0, m, a, r0 * hdn + j, hdn);
      }
      for (let q = 0; q < a.length; q++) if (!(a[q]! > 0)) a[q] = 0;
      return a;
    },
    backward(g) {
      g.fill(0, 0, hdn * d);
      // A zero factor is skipped: the gradient starts at +0 and sums never make −0 from it.
      for (let r0 = 0; r0 < rows; r0 += BLOCK) {
        const m = Math.min(BLOCK, rows - r0);
        for (let j = 0; j < hdn; j++) {
          let n = 0;
          for (let i = 0; i < m; i++) {
            const f = factors[(r0 + i) * hdn + j]!;
            if (f === 0) continue;
            on[n] = (r0 + i) * d;
            k[n] = f;
            n++;
          }
          inputGradient(xs, d, g, j * d, on, k, n);
        }
      }
    },
  };
}

/**
 * The loss and gradient over the parameter layout `W1 (hidden×cols), b1 (hidden), w2 (hidden), b2`,
 * on `layer` (default `hiddenLayer(p)`).
 */
export function mlpObjective(p: MlpProblem, layer: HiddenLayer = hiddenLayer(p)): Objective {
  const { y, sw, rows, cols: d, hidden: hdn, l2In, l2 } = p;
  const nW1 = hdn * d;
  const size = nW1 + 2 * hdn + 1;
  const { stride, factors } = layer;
  return (w, g) => {
    g.fill(0);
    let loss = 0;
    const a = layer.forward(w);
    for (let r = 0; r < rows; r++) {
      const e = bce(outputLogit(w, a, r, stride, nW1, hdn), y[r]!);
      loss += sw[r]! * e.loss;
      const k = sw[r]! * e.dz;
      g[size - 1]! += k;
      for (let j = 0; j < hdn; j++) {
        const aj = a[r * stride + j]!;
        g[nW1 + hdn + j]! += k * aj;
        if (aj > 0) {
          const kj = k * w[nW1 + hdn + j]!;
          g[nW1 + j]! += kj;
          factors[r * stride + j] = kj;
        } else factors[r * stride + j] = 0;
      }
    }
    layer.backward(g);
    for (let j = 0; j < hdn; j++) {
      for (let c = 0; c < d; c++) {
        const i = j * d + c;
        loss += 0.5 * l2In[c]! * w[i]! * w[i]!;
        g[i]! += l2In[c]! * w[i]!;
      }
    }
    for (let j = 0; j < hdn; j++) {
      const i = nW1 + hdn + j;
      loss += 0.5 * l2 * w[i]! * w[i]!;
      g[i]! += l2 * w[i]!;
    }
    return loss;
  };
}

/**
 * The MLP's mean data loss on rows, forward only: what early stopping reads every step (the same
 * sums as the served head's logits, so the same number as scoring the head it would write).
 */
export function mlpDataLoss(p: MlpRows, layer: HiddenLayer = hiddenLayer(p)): (w: Float64Array) => number {
  const { y, sw, rows, cols: d, hidden: hdn } = p;
  const nW1 = hdn * d;
  return (w) => {
    const a = layer.forward(w);
    let loss = 0;
    for (let r = 0; r < rows; r++)
      loss += sw[r]! * bce(outputLogit(w, a, r, layer.stride, nW1, hdn), y[r]!).loss;
    return loss;
  };
}

/** The output logit of row `r` from its activations in `a`: `b2 + Σ w2·a`, in that order. */
function outputLogit(
  w: Float64Array,
  a: Float64Array,
  r: number,
  stride: number,
  nW1: number,
  hdn: number,
): number {
  let z = w[nW1 + 2 * hdn]!;
  for (let j = 0; j < hdn; j++) z += w[nW1 + hdn + j]! * a[r * stride + j]!;
  return z;
}

/**
 * `out[at + i·stride] = bias + Σ_c w[wo + c] · row(r0 + i)[c]` for the block's rows i < m, each sum
 * from the bias up in column order.
 */
function blockDots(
  xs: Float64Array,
  d: number,
  w: Float64Array,
  wo: number,
  bias: number,
  r0: number,
  m: number,
  out: Float64Array,
  at: number,
  stride: number,
): void {
  if (m === BLOCK) {
    const o0 = r0 * d;
    let [t0, t1, t2, t3, t4, t5, t6, t7] = [bias, bias, bias, bias, bias, bias, bias, bias];
    for (let c = 0; c < d; c++) {
      const wc = w[wo + c]!;
      const o = o0 + c;
      t0 += wc * xs[o]!;
      t1 += wc * xs[o + d]!;
      t2 += wc * xs[o + 2 * d]!;
      t3 += wc * xs[o + 3 * d]!;
      t4 += wc * xs[o + 4 * d]!;
      t5 += wc * xs[o + 5 * d]!;
      t6 += wc * xs[o + 6 * d]!;
      t7 += wc * xs[o + 7 * d]!;
    }
    [out[at], out[at + stride], out[at + 2 * stride], out[at + 3 * stride]] = [t0, t1, t2, t3];
    [out[at + 4 * stride], out[at + 5 * stride], out[at + 6 * stride], out[at + 7 * stride]] = [
      t4,
      t5,
      t6,
      t7,
    ];
    return;
  }
  for (let i = 0; i < m; i++) {
    const o = (r0 + i) * d;
    let t = bias;
    for (let c = 0; c < d; c++) t += w[wo + c]! * xs[o + c]!;
    out[at + i * stride] = t;
  }
}

/** Adds `k[q] · (the row at offset on[q])` to the gradient row at `wo`, for q < n, in that order. */
function inputGradient(
  xs: Float64Array,
  d: number,
  g: Float64Array,
  wo: number,
  on: Int32Array,
  k: Float64Array,
  n: number,
): void {
  let q = 0;
  for (; q + 4 <= n; q += 4) {
    const [o0, o1, o2, o3] = [on[q]!, on[q + 1]!, on[q + 2]!, on[q + 3]!];
    const [k0, k1, k2, k3] = [k[q]!, k[q + 1]!, k[q + 2]!, k[q + 3]!];
    for (let c = 0; c < d; c++) {
      let v = g[wo + c]!;
      v += k0 * xs[o0 + c]!;
      v += k1 * xs[o1 + c]!;
      v += k2 * xs[o2 + c]!;
      v += k3 * xs[o3 + c]!;
      g[wo + c] = v;
    }
  }
  for (; q + 2 <= n; q += 2) {
    const [o0, o1, k0, k1] = [on[q]!, on[q + 1]!, k[q]!, k[q + 1]!];
    for (let c = 0; c < d; c++) {
      let v = g[wo + c]!;
      v += k0 * xs[o0 + c]!;
      v += k1 * xs[o1 + c]!;
      g[wo + c] = v;
    }
  }
  for (; q < n; q++) {
    const [o, kq] = [on[q]!, k[q]!];
    for (let c = 0; c < d; c++) g[wo + c]! += kq * xs[o + c]!;
  }
}

/**
 * The same objective one row at a time: the specification `mlpObjective` must equal bit for bit
 * (its test) and the baseline of `bench/dense-objective.ts`.
 */
export function rowwiseMlpObjective(p: MlpProblem): Objective {
  const { xs, y, sw, rows, cols: d, hidden: hdn, l2In, l2 } = p;
  const nW1 = hdn * d;
  const size = nW1 + 2 * hdn + 1;
  const a = new Float64Array(hdn);
  return (w, g) => {
    g.fill(0);
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      let z = w[size - 1]!;
      for (let j = 0; j < hdn; j++) {
        let t = w[nW1 + j]!;
        const wo = j * d;
        for (let c = 0; c < d; c++) t += w[wo + c]! * xs[o + c]!;
        a[j] = t > 0 ? t : 0;
        z += w[nW1 + hdn + j]! * a[j]!;
      }
      const e = bce(z, y[r]!);
      loss += sw[r]! * e.loss;
      const k = sw[r]! * e.dz;
      g[size - 1]! += k;
      for (let j = 0; j < hdn; j++) {
        g[nW1 + hdn + j]! += k * a[j]!;
        if (a[j]! <= 0) continue;
        const kj = k * w[nW1 + hdn + j]!;
        g[nW1 + j]! += kj;
        const wo = j * d;
        for (let c = 0; c < d; c++) g[wo + c]! += kj * xs[o + c]!;
      }
    }
    for (let i = 0; i < nW1; i++) {
      const k = l2In[i % d]!;
      loss += 0.5 * k * w[i]! * w[i]!;
      g[i]! += k * w[i]!;
    }
    for (let j = 0; j < hdn; j++) {
      const i = nW1 + hdn + j;
      loss += 0.5 * l2 * w[i]! * w[i]!;
      g[i]! += l2 * w[i]!;
    }
    return loss;
  };
}

/** The logistic objective one row at a time: what `logisticObjective` must equal bit for bit. */
export function rowwiseLogisticObjective(p: LogisticProblem): Objective {
  const { xs, y, sw, rows, cols: d, l2In } = p;
  return (w, g) => {
    g.fill(0);
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      let z = w[d]!;
      const o = r * d;
      for (let c = 0; c < d; c++) z += w[c]! * xs[o + c]!;
      const e = bce(z, y[r]!);
      loss += sw[r]! * e.loss;
      const k = sw[r]! * e.dz;
      for (let c = 0; c < d; c++) g[c]! += k * xs[o + c]!;
      g[d]! += k;
    }
    for (let c = 0; c < d; c++) {
      loss += 0.5 * l2In[c]! * w[c]! * w[c]!;
      g[c]! += l2In[c]! * w[c]!;
    }
    return loss;
  };
}
