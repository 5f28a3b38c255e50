// Multiple-instance heads: one linear score per cell of a spatial embedding, pooled over the cells.

/** How a `mil` head reads its input and pools its cell scores (head file `mil`). */
export interface MilSpec {
  /** Cells of the grid (H·W); the input is `cells` blocks of `cellDims` values, then the global tail. */
  readonly cells: number;
  readonly cellDims: number;
  /**
   * `lse`: `(1/r)·log(mean_k exp(r·z_k))` with `r = sharpness`: the mean cell score as r → 0 (a
   * linear head on the average-pooled map), the highest as r → ∞; `max`: the highest cell score.
   */
  readonly pooling: 'lse' | 'max';
  readonly sharpness?: number;
}

/** Why `spec` (parsed JSON) is not a usable MIL spec for `inputDims` inputs, or undefined. */
export function milProblem(spec: unknown, inputDims: number): string | undefined {
  if (spec === null || typeof spec !== 'object') return 'mil: missing (cells, cellDims, pooling)';
  const m = spec as Record<string, unknown>;
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!positive(m.cells) || !positive(m.cellDims))
    return `mil.cells/cellDims: ${String(m.cells)}/${String(m.cellDims)}`;
  if ((m.cells as number) * (m.cellDims as number) > inputDims)
    return `mil: ${String(m.cells)} cells × ${String(m.cellDims)} dims exceed inputDims ${inputDims}`;
  if (m.pooling !== 'lse' && m.pooling !== 'max') return `mil.pooling: ${String(m.pooling)}`;
  if (
    m.pooling === 'lse' &&
    !(typeof m.sharpness === 'number' && m.sharpness > 0 && Number.isFinite(m.sharpness))
  )
    return `mil.sharpness: ${String(m.sharpness)} (want a positive number for lse pooling)`;
  return undefined;
}

/** The width of a MIL head's one layer: the cell block plus the global tail. */
export function milLayerWidth(spec: MilSpec, inputDims: number): number {
  return spec.cellDims + inputDims - spec.cells * spec.cellDims;
}

/**
 * Pools cell scores `z` (each already including the bias) as `spec` says, writing each cell's
 * weight in the pool (its derivative) into `grad` when given.
 */
export function poolCells(spec: MilSpec, z: ArrayLike<number>, grad?: Float64Array): number {
  let top = -Infinity;
  let arg = 0;
  for (let k = 0; k < z.length; k++) {
    if ((z[k] as number) > top) {
      top = z[k] as number;
      arg = k;
    }
  }
  if (spec.pooling === 'max') {
    if (grad) {
      grad.fill(0);
      grad[arg] = 1;
    }
    return top;
  }
  const r = spec.sharpness as number;
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    const e = Math.exp(r * ((z[k] as number) - top));
    sum += e;
    if (grad) grad[k] = e;
  }
  if (grad) for (let k = 0; k < z.length; k++) grad[k]! /= sum;
  return top + Math.log(sum / z.length) / r;
}

/** The raw logit of a MIL head with layer `weights`/`bias` for one (already standardised) input. */
export function milLogit(
  spec: MilSpec,
  weights: ArrayLike<number>,
  bias: number,
  x: ArrayLike<number>,
): number {
  const { cells, cellDims } = spec;
  const z = new Float64Array(cells);
  for (let k = 0; k < cells; k++) {
    let s = bias;
    const o = k * cellDims;
    for (let c = 0; c < cellDims; c++) s += (weights[c] as number) * (x[o + c] as number);
    z[k] = s;
  }
  let out = poolCells(spec, z);
  const tail = cells * cellDims;
  for (let i = tail; i < x.length; i++) out += (weights[cellDims + i - tail] as number) * (x[i] as number);
  return out;
}
