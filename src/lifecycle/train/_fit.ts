// Fits classifier heads (logistic regression, one-hidden-layer MLP) on embedding rows, into the src/inference/heads format.
import { headLogit, type DenseLayer, type Head } from '../../inference/heads/index.js';
import { createRng } from '../../core/random/index.js';
import { projectOut } from '../../core/linalg/index.js';
import { projectRows, styleDirections } from './_nullspace.js';
import { bce } from './_loss.js';
import { logisticObjective, mlpDataLoss, mlpObjective } from './_dense-loss.js';
import { lbfgs } from './_optim.js';

/** Rows of features, row-major. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/**
 * Rows of features as separate vectors of one length, not stacked: a fitter that reads a batch of
 * rows at a time needs no second copy of them all (at 448 px cells a fold's rows are gigabytes).
 */
export interface Vectors {
  readonly cols: number;
  readonly of: readonly Float32Array[];
}

/** Training rows with 0/1 labels and, optionally, a relative weight per row (default 1). */
export interface Labelled {
  readonly x: Matrix;
  readonly y: Uint8Array;
  readonly weight?: Float64Array;
  /** Each row's style class (its camera), for `styleNull`; undefined rows take no part. */
  readonly style?: readonly (string | undefined)[];
}

/** `Labelled` with its rows as vectors (`Vectors`), not stacked. */
export type LabelledVectors = Omit<Labelled, 'x'> & { readonly x: Vectors };

/** Options shared by both fitters. */
export interface FitOptions {
  /** L2 strength per unit of sample weight. Default 1e-3. */
  readonly l2?: number;
  /**
   * Feature columns whose L2 strength is `l2` times `factor` (the input weights of an MLP), on the
   * standardised features; later ranges win where they overlap.
   */
  readonly columnL2?: readonly ColumnL2[];
  /**
   * Remove this many directions from the standardised features before fitting: those along which
   * the style classes (`Labelled.style`) differ most inside one label. The head's input weights are
   * then orthogonal to them, so moving an input along one changes nothing.
   */
  readonly styleNull?: number;
  /** Weight classes so both contribute equally. Default true. */
  readonly balance?: boolean;
  /** Standardise features (stored in the head). Default true. */
  readonly standardize?: boolean;
  readonly maxIter?: number;
  /** Validation rows for early stopping (best validation loss wins; patience in iterations). */
  readonly validation?: Labelled;
  readonly patience?: number;
}

/** A range of feature columns `[from, to)` and its L2 factor. */
export interface ColumnL2 {
  readonly from: number;
  readonly to: number;
  readonly factor: number;
}

/** The L2 strength of each of `d` feature columns. */
function columnStrengths(d: number, options: FitOptions): Float64Array {
  const out = new Float64Array(d).fill(options.l2 ?? 1e-3);
  for (const { from, to, factor } of options.columnL2 ?? []) {
    for (let c = Math.max(0, from); c < Math.min(d, to); c++) out[c] = (options.l2 ?? 1e-3) * factor;
  }
  return out;
}

/**
 * With `styleNull`, removes the style directions from the standardised rows `xs` in place and
 * returns what makes a weight vector blind to them: a copy of `w` whose first `units` blocks of `d`
 * input weights are projected off the directions (the rest as it was). Without it, the identity.
 */
function styleNullspace(
  xs: Float64Array,
  data: Labelled,
  options: FitOptions,
): (w: Float64Array, units: number) => Float64Array {
  const k = options.styleNull ?? 0;
  if (k <= 0 || data.style === undefined) return (w) => w;
  const d = data.x.cols;
  const directions = styleDirections(xs, d, data.y, data.style, k);
  projectRows(xs, d, directions);
  return (w, units) => {
    const out = Float64Array.from(w);
    for (let u = 0; u < units; u++) projectOut(out.subarray(u * d, (u + 1) * d), directions);
    return out;
  };
}

/** Options of `fitMlp`. */
export interface MlpOptions extends FitOptions {
  /** Hidden units. Default 32. */
  readonly hidden?: number;
  /** Seeds the weight initialisation. */
  readonly seed?: string;
  /**
   * Fit from this many initialisations (the first from `seed`, the others from `seed/restart-2`, …)
   * and keep the best: the lowest validation loss with `validation`, else the lowest training
   * objective. Default 1.
   */
  readonly restarts?: number;
}

/** Stacks rows into a matrix. */
export function matrixOf(rows: readonly ArrayLike<number>[], cols: number): Matrix {
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r as ArrayLike<number>, i * cols));
  return { rows: rows.length, cols, data };
}

/** Feature means and standard deviations, each row counted with its relative weight (default 1). */
function standardizer(
  x: Matrix,
  on: boolean,
  weight?: Float64Array,
): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(x.cols);
  const std = new Float64Array(x.cols).fill(1);
  if (!on) return { mean, std };
  let total = 0;
  for (let r = 0; r < x.rows; r++) total += weight?.[r] ?? 1;
  const n = total > 0 ? total : 1;
  for (let r = 0; r < x.rows; r++) {
    const w = weight?.[r] ?? 1;
    for (let c = 0; c < x.cols; c++) mean[c]! += w * x.data[r * x.cols + c]!;
  }
  for (let c = 0; c < x.cols; c++) mean[c]! /= n;
  const v = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) {
    const w = weight?.[r] ?? 1;
    for (let c = 0; c < x.cols; c++) {
      const d = x.data[r * x.cols + c]! - mean[c]!;
      v[c]! += w * d * d;
    }
  }
  // A constant feature gets std 1 rather than 0: the head format requires std > 0.
  for (let c = 0; c < x.cols; c++) std[c] = Math.sqrt(v[c]! / n) || 1;
  return { mean, std };
}

function standardized(x: Matrix, s: { mean: Float64Array; std: Float64Array }): Float64Array {
  const out = new Float64Array(x.rows * x.cols);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < x.cols; c++) out[r * x.cols + c] = (x.data[r * x.cols + c]! - s.mean[c]!) / s.std[c]!;
  }
  return out;
}

/**
 * Per-row loss weights summing to 1: each row's relative weight, times its class's share when
 * balancing (classes weighed by their total row weight, so with unit weights by their counts).
 */
export function sampleWeights(y: Uint8Array, balance: boolean, weight?: Float64Array): Float64Array {
  const base = (i: number) => weight?.[i] ?? 1;
  let all = 0;
  let pos = 0;
  for (let i = 0; i < y.length; i++) {
    all += base(i);
    if (y[i]) pos += base(i);
  }
  const neg = all - pos;
  const w = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const share = y[i] ? pos : neg;
    w[i] = base(i) * (balance ? all / (2 * (share > 0 ? share : 1)) : 1);
  }
  const total = w.reduce((a, b) => a + b, 0);
  for (let i = 0; i < y.length; i++) w[i]! /= total;
  return w;
}

function head(
  type: Head['type'],
  cols: number,
  s: { mean: Float64Array; std: Float64Array },
  layers: DenseLayer[],
  on: boolean,
): Head {
  return {
    format: 'roadwork-head',
    version: 1,
    type,
    inputDims: cols,
    ...(on ? { normalize: { mean: Array.from(s.mean), std: Array.from(s.std) } } : {}),
    layers,
    temperature: 1,
    shift: 0,
  };
}

/** Class-balanced, L2-regularised logistic regression by L-BFGS; returns an uncalibrated head. */
export function fitLogistic(data: Labelled, options: FitOptions = {}): Head {
  const { x, y } = data;
  const d = x.cols;
  const on = options.standardize ?? true;
  const s = standardizer(x, on, data.weight);
  const xs = standardized(x, s);
  const nulled = styleNullspace(xs, data, options);
  const sw = sampleWeights(y, options.balance ?? true, data.weight);
  const l2 = columnStrengths(d, options);
  const f = logisticObjective({ xs, y, sw, rows: x.rows, cols: d, l2In: l2 });
  const headOf = (w: Float64Array) => head('logistic', d, s, logisticLayers(nulled(w, 1), d), on);
  const stop = earlyStop(options, headOf);
  const { w } = lbfgs(f, new Float64Array(d + 1), { maxIter: options.maxIter ?? 300, onStep: stop.onStep });
  return headOf(stop.best() ?? w);
}

function logisticLayers(w: Float64Array, d: number): DenseLayer[] {
  return [{ weights: [Array.from(w.subarray(0, d))], bias: [w[d]!], activation: 'none' }];
}

/**
 * Early stopping by validation loss: remembers the best point and stops after `patience` steps
 * without improvement; without validation rows it never stops early and `best()` is undefined.
 * `lossOf`, when given, is the validation loss at a point without writing its head (the same number).
 */
function earlyStop(
  options: FitOptions,
  headOf: (w: Float64Array) => Head,
  lossOf?: (w: Float64Array) => number,
): { onStep: (w: Float64Array) => boolean; best: () => Float64Array | undefined } {
  const val = options.validation;
  const patience = options.patience ?? 20;
  let bestLoss = Infinity;
  let bestW: Float64Array | undefined;
  let since = 0;
  return {
    onStep: (w) => {
      if (val === undefined) return false;
      const loss = lossOf?.(w) ?? validationLoss(headOf(w), val);
      if (loss < bestLoss - 1e-6) {
        bestLoss = loss;
        bestW = Float64Array.from(w);
        since = 0;
      } else since++;
      return since >= patience;
    },
    best: () => bestW,
  };
}

/** Mean class-balanced cross-entropy of a head's raw logits on labelled rows. */
export function validationLoss(h: Head, data: Labelled): number {
  const z = logits(h, data.x);
  const sw = sampleWeights(data.y, true);
  let loss = 0;
  for (let r = 0; r < z.length; r++) loss += sw[r]! * bce(z[r]!, data.y[r]!).loss;
  return loss;
}

/** Raw logits (no temperature or shift) of a head for every row. */
export function logits(h: Head, x: Matrix): Float64Array {
  const out = new Float64Array(x.rows);
  if (h.mil !== undefined || h.conv !== undefined || h.trees !== undefined || h.columns !== undefined) {
    for (let r = 0; r < x.rows; r++) out[r] = headLogit(h, x.data.subarray(r * x.cols, (r + 1) * x.cols));
    return out;
  }
  const mean = h.normalize?.mean;
  const std = h.normalize?.std;
  let cur = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) {
    for (let c = 0; c < x.cols; c++) {
      const v = x.data[r * x.cols + c]!;
      cur[c] = mean && std ? (v - mean[c]!) / std[c]! : v;
    }
    let input: Float64Array = cur;
    for (const layer of h.layers) {
      const next = new Float64Array(layer.bias.length);
      for (let j = 0; j < next.length; j++) {
        const row = layer.weights[j]!;
        let s = layer.bias[j]!;
        for (let i = 0; i < row.length; i++) s += row[i]! * input[i]!;
        next[j] = layer.activation === 'relu' && s < 0 ? 0 : s;
      }
      input = next;
    }
    out[r] = input[0]!;
    cur = cur.length === x.cols ? cur : new Float64Array(x.cols);
  }
  return out;
}

/** A one-hidden-layer ReLU MLP (class-balanced, L2) by full-batch L-BFGS, with optional early stopping. */
export function fitMlp(data: Labelled, options: MlpOptions = {}): Head {
  const { x, y } = data;
  const d = x.cols;
  const hdn = options.hidden ?? 32;
  const on = options.standardize ?? true;
  const s = standardizer(x, on, data.weight);
  const xs = standardized(x, s);
  const nulled = styleNullspace(xs, data, options);
  const sw = sampleWeights(y, options.balance ?? true, data.weight);
  const l2 = options.l2 ?? 1e-3;
  const l2In = columnStrengths(d, options);
  // Layout: W1 (hdn×d), b1 (hdn), w2 (hdn), b2.
  const nW1 = hdn * d;
  const size = nW1 + hdn + hdn + 1;
  const f = mlpObjective({ xs, y, sw, rows: x.rows, cols: d, hidden: hdn, l2In, l2 });
  const layersOf = (w: Float64Array): DenseLayer[] => [
    {
      weights: Array.from({ length: hdn }, (_, j) => Array.from(w.subarray(j * d, (j + 1) * d))),
      bias: Array.from(w.subarray(nW1, nW1 + hdn)),
      activation: 'relu',
    },
    { weights: [Array.from(w.subarray(nW1 + hdn, nW1 + 2 * hdn))], bias: [w[size - 1]!], activation: 'none' },
  ];
  const headOf = (w: Float64Array) => head('mlp', d, s, layersOf(nulled(w, hdn)), on);
  const val = options.validation;
  const valLoss =
    val &&
    mlpDataLoss({
      xs: standardized(val.x, s),
      y: val.y,
      sw: sampleWeights(val.y, true),
      rows: val.x.rows,
      cols: d,
      hidden: hdn,
    });
  const lossOf = valLoss && ((w: Float64Array) => valLoss(nulled(w, hdn)));
  const fitFrom = (seed: string): { head: Head; score: number } => {
    const rng = createRng(seed);
    const w0 = new Float64Array(size);
    const scale1 = Math.sqrt(2 / d);
    for (let i = 0; i < nW1; i++) w0[i] = rng.normal() * scale1;
    for (let j = 0; j < hdn; j++) w0[nW1 + hdn + j] = rng.normal() * Math.sqrt(1 / hdn);
    const stop = earlyStop(options, headOf, lossOf);
    const { w, loss } = lbfgs(f, w0, { maxIter: options.maxIter ?? 300, onStep: stop.onStep });
    const fitted = headOf(stop.best() ?? w);
    const score = options.validation === undefined ? loss : validationLoss(fitted, options.validation);
    return { head: fitted, score };
  };
  const seed = options.seed ?? 'mlp';
  let best = fitFrom(seed);
  for (let r = 2; r <= (options.restarts ?? 1); r++) {
    const next = fitFrom(`${seed}/restart-${r}`);
    if (next.score < best.score) best = next;
  }
  return best.head;
}

/**
 * Folds the standardisation into the first layer (`w/σ`, `b − Σ w·μ/σ`): the same function with a
 * third of the numbers, so the head file stays small.
 */
export function foldNormalization(h: Head): Head {
  if (h.normalize === undefined) return h;
  const { mean, std } = h.normalize;
  const [first, ...rest] = h.layers;
  const weights = first!.weights.map((row) => row.map((w, i) => w / std[i]!));
  const bias = first!.bias.map(
    (b, j) => b - first!.weights[j]!.reduce((s, w, i) => s + (w * mean[i]!) / std[i]!, 0),
  );
  const { normalize: _dropped, ...plain } = h;
  return { ...plain, layers: [{ ...first!, weights, bias }, ...rest] };
}
