// Fits a boosted trees head (gradient boosting of small regression trees on the logistic loss,
// second-order, over binned columns), into the src/inference/heads format.
import { sigmoid, type Head, type Tree } from '../../inference/heads/index.js';
import { createRng, type Rng } from '../../core/random/index.js';
import { sampleWeights, type Labelled } from './_fit.js';

/** The boosting's shape: how many trees, how deep, and how much of each leaf is kept. */
export interface TreesShape {
  readonly count: number;
  readonly depth: number;
  /** The learning rate: each leaf's value is this share of its Newton step. */
  readonly rate: number;
}

/** Options of `fitTrees`. */
export interface TreesOptions extends TreesShape {
  /** L2 on the leaf values (λ in −G/(H+λ)), per unit of mean row weight. Default 1. */
  readonly l2?: number;
  /** Seeds the rows and columns each tree sees. */
  readonly seed?: string;
  /** Weight classes so both contribute equally. Default true. */
  readonly balance?: boolean;
  /** The share of rows each tree is grown on. Default 0.8. */
  readonly subsample?: number;
  /** The share of columns each tree may split on. Default 0.8. */
  readonly colsample?: number;
  /** The fewest rows a leaf holds. Default 20. */
  readonly minLeaf?: number;
  /** Bins per column (at most 255). Default 32. */
  readonly bins?: number;
}

/** Each column's cut points (ascending) and every row's bin in it, column-major. */
interface Binned {
  readonly cuts: readonly Float64Array[];
  readonly bins: Uint8Array;
}

/**
 * Cut points between distinct values at the column's quantiles, each halfway between the two values
 * it separates (so a threshold written at 7 digits still separates them), and each row's bin: the
 * number of cuts below its value.
 */
function binColumns(x: Labelled['x'], maxBins: number): Binned {
  const { rows: n, cols: d, data } = x;
  const bins = new Uint8Array(n * d);
  const cuts: Float64Array[] = [];
  const column = new Float32Array(n);
  for (let c = 0; c < d; c++) {
    for (let r = 0; r < n; r++) column[r] = data[r * d + c]!;
    const sorted = Float32Array.from(column).sort();
    const out: number[] = [];
    for (let k = 1; k < maxBins; k++) {
      const q = sorted[Math.floor((k * n) / maxBins)]!;
      const hi = upperBound(sorted, q);
      if (hi >= n) break;
      const cut = (q + sorted[hi]!) / 2;
      if (out.length === 0 || cut > out[out.length - 1]!) out.push(cut);
    }
    const colCuts = Float64Array.from(out);
    cuts.push(colCuts);
    for (let r = 0; r < n; r++) bins[c * n + r] = lowerBound(colCuts, column[r]!);
  }
  return { cuts, bins };
}

/** The first index of `a` (ascending) holding a value above `v`. */
function upperBound(a: Float32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many of `cuts` (ascending) lie below `v`: the bin of `v`. */
function lowerBound(cuts: Float64Array, v: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A tree being grown: the file's arrays, plus each split's bin for updating the training rows. */
interface Growing {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
  splitBin: number[];
}

/** What one tree's growth reads: the binned rows, their gradients and hessians, the settings. */
interface GrowContext {
  readonly binned: Binned;
  readonly n: number;
  readonly g: Float64Array;
  readonly h: Float64Array;
  readonly columns: readonly number[];
  readonly width: number;
  readonly lambda: number;
  readonly minLeaf: number;
  readonly depth: number;
  readonly rate: number;
}

/** Sums of gradients, hessians and rows by (column, bin) over `rows`, for the context's columns. */
function histogram(ctx: GrowContext, rows: Uint32Array): Float64Array {
  const { binned, n, g, h, columns, width } = ctx;
  const hist = new Float64Array(columns.length * width * 3);
  for (let k = 0; k < columns.length; k++) {
    const base = columns[k]! * n;
    const at = k * width * 3;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const b = at + binned.bins[base + r]! * 3;
      hist[b]! += g[r]!;
      hist[b + 1]! += h[r]!;
      hist[b + 2]!++;
    }
  }
  return hist;
}

/**
 * The best split of a node, if any gains: its column's index in the context, its bin, and how many of
 * the node's rows go left (read from the histogram, so the rows need not be counted again).
 */
function bestSplit(
  ctx: GrowContext,
  hist: Float64Array,
  G: number,
  H: number,
  count: number,
): { k: number; bin: number; left: number } | undefined {
  const { lambda, width } = ctx;
  const parent = (G * G) / (H + lambda);
  let best: { k: number; bin: number; left: number } | undefined;
  let bestGain = 1e-9;
  for (let k = 0; k < ctx.columns.length; k++) {
    const last = ctx.binned.cuts[ctx.columns[k]!]!.length;
    let gl = 0;
    let hl = 0;
    let nl = 0;
    const at = k * width * 3;
    for (let b = 0; b < last; b++) {
      gl += hist[at + b * 3]!;
      hl += hist[at + b * 3 + 1]!;
      nl += hist[at + b * 3 + 2]!;
      if (nl < ctx.minLeaf) continue;
      if (count - nl < ctx.minLeaf) break;
      const gr = G - gl;
      const hr = H - hl;
      const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parent;
      if (gain > bestGain) {
        bestGain = gain;
        best = { k, bin: b, left: nl };
      }
    }
  }
  return best;
}

/** Grows one node (and below it) of `tree` on `rows`, whose histogram is `hist`; returns its index. */
function grow(ctx: GrowContext, tree: Growing, rows: Uint32Array, hist: Float64Array, depth: number): number {
  let G = 0;
  let H = 0;
  for (let b = 0; b < ctx.width; b++) {
    G += hist[b * 3]!;
    H += hist[b * 3 + 1]!;
  }
  const node = tree.feature.length;
  tree.feature.push(-1);
  tree.threshold.push(0);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.value.push((-G / (H + ctx.lambda)) * ctx.rate);
  tree.splitBin.push(0);
  const split = depth < ctx.depth && H > 0 ? bestSplit(ctx, hist, G, H, rows.length) : undefined;
  if (split === undefined) return node;
  const c = ctx.columns[split.k]!;
  const base = c * ctx.n;
  // Both sides hold at least minLeaf rows (and a split with an empty side gains nothing).
  const nl = split.left;
  const leftRows = new Uint32Array(nl);
  const rightRows = new Uint32Array(rows.length - nl);
  for (let i = 0, a = 0, z = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (ctx.binned.bins[base + r]! <= split.bin) leftRows[a++] = r;
    else rightRows[z++] = r;
  }
  // The smaller child's histogram is built; the larger one's is the parent's minus it.
  const leftSmaller = nl <= rows.length - nl;
  const small = histogram(ctx, leftSmaller ? leftRows : rightRows);
  const large = Float64Array.from(hist, (v, i) => v - small[i]!);
  tree.feature[node] = c;
  tree.threshold[node] = ctx.binned.cuts[c]![split.bin]!;
  tree.splitBin[node] = split.bin;
  tree.value[node] = 0;
  tree.left[node] = grow(ctx, tree, leftRows, leftSmaller ? small : large, depth + 1);
  tree.right[node] = grow(ctx, tree, rightRows, leftSmaller ? large : small, depth + 1);
  return node;
}

/** The leaf row `r` falls in, walking the tree over its bins. */
function leafOf(tree: Growing, bins: Uint8Array, n: number, r: number): number {
  let i = 0;
  while (tree.feature[i]! >= 0) {
    i = bins[tree.feature[i]! * n + r]! <= tree.splitBin[i]! ? tree.left[i]! : tree.right[i]!;
  }
  return i;
}

/** Indices of `0…n−1` each kept with probability `share` (all when share ≥ 1), never none. */
function sample(n: number, share: number, rng: Rng): number[] {
  if (share >= 1) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (rng.next() < share) out.push(i);
  return out.length > 0 ? out : [rng.int(0, n - 1)];
}

/**
 * Gradient-boosted trees on the logistic loss (class-balanced by default), each tree grown on a
 * sample of the rows and columns; returns an uncalibrated `trees` head (version 5) reading the rows'
 * raw values. Deterministic for a seed.
 */
export function fitTrees(data: Labelled, options: TreesOptions): Head {
  const { x, y } = data;
  const n = x.rows;
  const binned = binColumns(x, Math.min(255, Math.max(2, options.bins ?? 32)));
  const width = binned.cuts.reduce((m, c) => Math.max(m, c.length), 0) + 1;
  // Weights averaging 1 a row, so that λ and the leaf size read in rows.
  const w = sampleWeights(y, options.balance ?? true, data.weight).map((v) => v * n);
  let pos = 0;
  let all = 0;
  for (let r = 0; r < n; r++) {
    all += w[r]!;
    if (y[r]) pos += w[r]!;
  }
  const base = Math.log(Math.max(pos, 1e-9) / Math.max(all - pos, 1e-9));
  const f = new Float64Array(n).fill(base);
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const rng = createRng(options.seed ?? 'trees');
  const trees: Tree[] = [];
  for (let t = 0; t < options.count; t++) {
    for (let r = 0; r < n; r++) {
      const p = sigmoid(f[r]!);
      g[r] = w[r]! * (p - y[r]!);
      h[r] = w[r]! * Math.max(p * (1 - p), 1e-6);
    }
    const rows = Uint32Array.from(sample(n, options.subsample ?? 0.8, rng));
    const columns = sample(x.cols, options.colsample ?? 0.8, rng);
    const ctx: GrowContext = {
      binned,
      n,
      g,
      h,
      columns,
      width,
      lambda: options.l2 ?? 1,
      minLeaf: options.minLeaf ?? 20,
      depth: options.depth,
      rate: options.rate,
    };
    const tree: Growing = { feature: [], threshold: [], left: [], right: [], value: [], splitBin: [] };
    grow(ctx, tree, rows, histogram(ctx, rows), 0);
    for (let r = 0; r < n; r++) f[r]! += tree.value[leafOf(tree, binned.bins, n, r)]!;
    const { splitBin: _bins, ...file } = tree;
    trees.push(file);
  }
  return {
    format: 'roadwork-head',
    version: 5,
    type: 'trees',
    inputDims: x.cols,
    trees: { base, trees },
    layers: [],
    temperature: 1,
    shift: 0,
  };
}
