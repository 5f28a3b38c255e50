// Fits a multiple-instance head: one linear score per cell of a spatial embedding, pooled over cells.
import { poolCells, type Head, type MilSpec } from '../../inference/heads/index.js';
import { sampleWeights, type FitOptions, type Labelled } from './_fit.js';
import { bce } from './_loss.js';
import { lbfgs } from './_optim.js';

/** Per-column mean and std of the cell block (over every cell of every row) and of the tail. */
function milStandardizer(data: Labelled, spec: MilSpec): { mean: Float64Array; std: Float64Array } {
  const { x } = data;
  const { cells, cellDims } = spec;
  const tail = x.cols - cells * cellDims;
  const width = cellDims + tail;
  const sum = new Float64Array(width);
  const sq = new Float64Array(width);
  let total = 0;
  for (let r = 0; r < x.rows; r++) {
    const w = data.weight?.[r] ?? 1;
    total += w;
    const o = r * x.cols;
    for (let k = 0; k < cells; k++) {
      const ok = o + k * cellDims;
      for (let c = 0; c < cellDims; c++) {
        const v = x.data[ok + c]!;
        sum[c]! += (w * v) / cells;
        sq[c]! += (w * v * v) / cells;
      }
    }
    for (let t = 0; t < tail; t++) {
      const v = x.data[o + cells * cellDims + t]!;
      sum[cellDims + t]! += w * v;
      sq[cellDims + t]! += w * v * v;
    }
  }
  const n = total > 0 ? total : 1;
  const mean = sum.map((s) => s / n);
  const std = sq.map((s, i) => Math.sqrt(Math.max(0, s / n - mean[i]! * mean[i]!)) || 1);
  return { mean, std };
}

/**
 * Class-balanced, L2-regularised MIL head by L-BFGS (`spec` says how the rows' cells are laid out
 * and pooled): each row is a bag, its cells the instances. Standardisation (per channel, over all
 * cells) is applied inside the objective and folded into the returned weights, so the rows are
 * never copied. Uncalibrated (temperature 1, shift 0).
 */
export function fitMil(
  data: Labelled,
  spec: MilSpec,
  options: Pick<FitOptions, 'l2' | 'maxIter'> = {},
): Head {
  const { x, y } = data;
  const { cells, cellDims } = spec;
  const tail = x.cols - cells * cellDims;
  const width = cellDims + tail;
  const { mean, std } = milStandardizer(data, spec);
  const sw = sampleWeights(y, true, data.weight);
  const l2 = options.l2 ?? 1e-3;
  // Raw-space weights for the current standardised ones: v = w/σ, bias b − Σ w·μ/σ.
  const v = new Float64Array(width);
  const z = new Float64Array(cells);
  const pull = new Float64Array(cells);
  const rawGrad = new Float64Array(width);
  const f = (w: Float64Array, g: Float64Array) => {
    let bias = w[width]!;
    for (let c = 0; c < width; c++) {
      v[c] = w[c]! / std[c]!;
      bias -= v[c]! * mean[c]!;
    }
    rawGrad.fill(0);
    let loss = 0;
    let gBias = 0;
    let gMeanCell = 0;
    for (let r = 0; r < x.rows; r++) {
      const o = r * x.cols;
      for (let k = 0; k < cells; k++) {
        let s = bias;
        const ok = o + k * cellDims;
        for (let c = 0; c < cellDims; c++) s += v[c]! * x.data[ok + c]!;
        z[k] = s;
      }
      let out = poolCells(spec, z, pull);
      for (let t = 0; t < tail; t++) out += v[cellDims + t]! * x.data[o + cells * cellDims + t]!;
      const e = bce(out, y[r]!);
      loss += sw[r]! * e.loss;
      const d = sw[r]! * e.dz;
      if (d === 0) continue;
      gBias += d;
      for (let k = 0; k < cells; k++) {
        const dk = d * pull[k]!;
        if (dk === 0) continue;
        const ok = o + k * cellDims;
        for (let c = 0; c < cellDims; c++) rawGrad[c]! += dk * x.data[ok + c]!;
      }
      gMeanCell += d; // the pool's weights sum to 1: the cell block's μ term takes d once per row
      for (let t = 0; t < tail; t++) rawGrad[cellDims + t]! += d * x.data[o + cells * cellDims + t]!;
    }
    for (let c = 0; c < width; c++) {
      // d/dw_c of Σ v·x − v·μ: (raw gradient − μ·Σd) / σ.
      g[c] = (rawGrad[c]! - mean[c]! * gMeanCell) / std[c]! + l2 * w[c]!;
      loss += 0.5 * l2 * w[c]! * w[c]!;
    }
    g[width] = gBias;
    return loss;
  };
  const { w } = lbfgs(f, new Float64Array(width + 1), { maxIter: options.maxIter ?? 300 });
  let bias = w[width]!;
  const weights = Array.from(w.subarray(0, width), (wc, c) => {
    bias -= (wc * mean[c]!) / std[c]!;
    return wc / std[c]!;
  });
  return {
    format: 'roadwork-head',
    version: 2,
    type: 'mil',
    inputDims: x.cols,
    mil: spec,
    layers: [{ weights: [weights], bias: [bias], activation: 'none' }],
    temperature: 1,
    shift: 0,
  };
}
