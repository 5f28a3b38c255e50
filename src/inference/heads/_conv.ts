// Conv heads: the backbone's last 1×1 convolution, fine-tuned, run on every cell of a spatial
// embedding (ReLU6), max-pooled over the cells, then one linear output over the pool and a tail.

/** How a `conv` head reads its input (head file `conv`). */
export interface ConvSpec {
  /** Cells of the grid (H·W); the input is `cells` blocks of `cellDims` values, then the global tail. */
  readonly cells: number;
  readonly cellDims: number;
  /** Output channels of the convolution (e.g. 1280 for MobileNetV2's `Conv_1`). */
  readonly units: number;
  /** Over the cells, per channel; only `max` (what the starter's `pooling: max` computes). */
  readonly pooling: 'max';
}

/** Why `spec` (parsed JSON) is not a usable conv spec for `inputDims` inputs, or undefined. */
export function convProblem(spec: unknown, inputDims: number): string | undefined {
  if (spec === null || typeof spec !== 'object') return 'conv: missing (cells, cellDims, units, pooling)';
  const m = spec as Record<string, unknown>;
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!positive(m.cells) || !positive(m.cellDims) || !positive(m.units))
    return `conv.cells/cellDims/units: ${String(m.cells)}/${String(m.cellDims)}/${String(m.units)}`;
  if ((m.cells as number) * (m.cellDims as number) > inputDims)
    return `conv: ${String(m.cells)} cells × ${String(m.cellDims)} dims exceed inputDims ${inputDims}`;
  if (m.pooling !== 'max') return `conv.pooling: ${String(m.pooling)} (only max)`;
  return undefined;
}

/** The values after the cell block: the global tail (e.g. colour/shape features). */
export function convTail(spec: ConvSpec, inputDims: number): number {
  return inputDims - spec.cells * spec.cellDims;
}

/** The convolution as flat float32 rows (`units` × `cellDims`), packed once per head. */
export interface PackedConv {
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

/** `rows` (units arrays of cellDims numbers) as one float32 block: the hot loop reads it linearly. */
export function packConv(rows: readonly (readonly number[])[], bias: readonly number[]): PackedConv {
  const dims = rows[0]?.length ?? 0;
  const weights = new Float32Array(rows.length * dims);
  rows.forEach((row, j) => weights.set(row, j * dims));
  return { weights, bias: Float32Array.from(bias) };
}

/**
 * Each channel's max over the cells of `relu6(bias + W·cell)`, into `out` (`units` long). Values
 * never go below 0, so 0 starts the max.
 */
export function convPool(spec: ConvSpec, conv: PackedConv, x: ArrayLike<number>, out: Float64Array): void {
  const { cells, cellDims, units } = spec;
  const { weights, bias } = conv;
  out.fill(0);
  const cell = new Float64Array(cellDims);
  for (let k = 0; k < cells; k++) {
    const o = k * cellDims;
    for (let c = 0; c < cellDims; c++) cell[c] = x[o + c] as number;
    for (let j = 0; j < units; j++) {
      let s = bias[j]!;
      const w = j * cellDims;
      for (let c = 0; c < cellDims; c++) s += weights[w + c]! * cell[c]!;
      const a = s < 0 ? 0 : s > 6 ? 6 : s;
      if (a > out[j]!) out[j] = a;
    }
  }
}

/** The raw logit: `out · [pool; tail] + outBias`. */
export function convLogit(
  spec: ConvSpec,
  conv: PackedConv,
  out: ArrayLike<number>,
  outBias: number,
  x: ArrayLike<number>,
): number {
  const pooled = new Float64Array(spec.units);
  convPool(spec, conv, x, pooled);
  let z = outBias;
  for (let j = 0; j < spec.units; j++) z += (out[j] as number) * pooled[j]!;
  const tail = spec.cells * spec.cellDims;
  for (let i = tail; i < x.length; i++) z += (out[spec.units + i - tail] as number) * (x[i] as number);
  return z;
}
