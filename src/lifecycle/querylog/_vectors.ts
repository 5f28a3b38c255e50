// Embeddings as one row-major matrix of unit vectors, so cosine similarity is a dot product.
import { createRng } from '../../core/random/index.js';
import type { ImageRow } from './_latest.js';
import { commonWidth } from './_latest.js';

/** Unit-length embeddings, one per matrix row. */
export interface UnitMatrix {
  /** n × dims, row-major. */
  readonly data: Float32Array;
  readonly dims: number;
  /** For each matrix row, its index in the rows given. */
  readonly rowOf: readonly number[];
}

/** Dot product of matrix row `i` with `v` (from `offset`). */
export function dotRow(m: UnitMatrix, i: number, v: Float32Array | Float64Array, offset = 0): number {
  const { data, dims } = m;
  const base = i * dims;
  let s = 0;
  for (let j = 0; j < dims; j++) s += data[base + j]! * v[offset + j]!;
  return s;
}

/** At most `max` of the indices 0..n−1, drawn by a seeded shuffle, in ascending order. */
export function seededSample(n: number, max: number, seed: string): number[] {
  const all = Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  const rng = createRng(seed);
  for (let i = 0; i < max; i++) {
    const j = rng.int(i, n - 1);
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, max).sort((a, b) => a - b);
}

/** Width of the sketch clusters and the projection are computed in. */
export const SKETCH_DIMS = 64;

type Taps = readonly { readonly idx: readonly number[]; readonly sign: readonly number[] }[];

// Each output sums about √d inputs with random signs (a very sparse random projection).
function tapsFor(dims: number, seed: string): Taps {
  const rng = createRng(`${seed}:${dims}`);
  const density = 1 / Math.sqrt(dims);
  return Array.from({ length: SKETCH_DIMS }, () => {
    const idx: number[] = [];
    const sign: number[] = [];
    for (let j = 0; j < dims; j++) {
      if (rng.next() < density) {
        idx.push(j);
        sign.push(rng.chance(0.5) ? 1 : -1);
      }
    }
    return { idx, sign };
  });
}

/**
 * The rows' embeddings of the common width as unit vectors at most `SKETCH_DIMS` wide: wider ones
 * reduced by a seeded very sparse random projection (Li, Hastie and Church 2006), which keeps cosine
 * distances to within ~1/√64 (Johnson–Lindenstrauss) — plenty to find clusters and draw a map — and
 * costs n·64·√d, read straight from the rows without a full-width copy, where k-means and PCA at full
 * width (1280 for MobileNetV2) would pay n·d per step. Zero vectors (no direction) are left out.
 */
export function sketchRows(rows: readonly ImageRow[], seed = 'sketch'): UnitMatrix {
  const dims = commonWidth(rows);
  const width = Math.min(dims, SKETCH_DIMS);
  const taps = dims > SKETCH_DIMS ? tapsFor(dims, seed) : undefined;
  const rowOf: number[] = [];
  const data = new Float32Array(rows.length * width);
  const out = new Float64Array(width);
  for (const [i, r] of rows.entries()) {
    const e = r.embedding;
    if (e === undefined || e.length !== dims || dims === 0) continue;
    let norm = 0;
    for (let o = 0; o < width; o++) {
      let v = 0;
      if (taps === undefined) v = e[o]!;
      else {
        const { idx, sign } = taps[o]!;
        for (let t = 0; t < idx.length; t++) v += sign[t]! * e[idx[t]!]!;
      }
      out[o] = v;
      norm += v * v;
    }
    if (norm === 0) continue;
    const inv = 1 / Math.sqrt(norm);
    const base = rowOf.length * width;
    for (let o = 0; o < width; o++) data[base + o] = out[o]! * inv;
    rowOf.push(i);
  }
  return { data: data.subarray(0, rowOf.length * width), dims: width, rowOf };
}
