// Embeddings as one row-major matrix of unit vectors, so cosine similarity is a dot product.
import { createRng } from '../../core/random/index.js';
import type { ImageRow } from './_latest.js';
import { commonWidth } from './_latest.js';

/** Unit-length embeddings of the rows that have one of the common width. */
export interface UnitMatrix {
  /** n × dims, row-major. */
  readonly data: Float32Array;
  readonly dims: number;
  /** For each matrix row, its index in the rows given. */
  readonly rowOf: readonly number[];
}

/** Packs and normalises the embeddings in one pass; zero vectors are left out (no direction). */
export function unitMatrix(rows: readonly ImageRow[]): UnitMatrix {
  const dims = commonWidth(rows);
  const rowOf: number[] = [];
  for (const [i, r] of rows.entries()) if (r.embedding?.length === dims && dims > 0) rowOf.push(i);
  const data = new Float32Array(rowOf.length * dims);
  let n = 0;
  for (const i of rowOf) {
    const e = rows[i]!.embedding!;
    let s = 0;
    for (let j = 0; j < dims; j++) s += e[j]! * e[j]!;
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dims; j++) data[n * dims + j] = e[j]! * inv;
    rowOf[n++] = i;
  }
  rowOf.length = n;
  return { data: data.subarray(0, n * dims), dims, rowOf };
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

/**
 * The matrix reduced to `SKETCH_DIMS` by a seeded very sparse random projection (Li, Hastie and Church
 * 2006: each output sums about √d inputs with random signs), rows normalised again. Distances are kept
 * to within ~1/√64 (Johnson–Lindenstrauss), plenty to find clusters and draw a map, and it costs n·64·√d
 * instead of the n·k·d per step that k-means and PCA would pay at full width (1280 for MobileNetV2).
 * A matrix already that narrow is returned as it is.
 */
export function sketch(m: UnitMatrix, seed = 'sketch'): UnitMatrix {
  const { dims, data, rowOf } = m;
  if (dims <= SKETCH_DIMS) return m;
  const rng = createRng(`${seed}:${dims}`);
  const density = 1 / Math.sqrt(dims);
  const taps = Array.from({ length: SKETCH_DIMS }, () => {
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
  const n = rowOf.length;
  const out = new Float32Array(n * SKETCH_DIMS);
  for (let i = 0; i < n; i++) {
    const base = i * dims;
    let norm = 0;
    for (let o = 0; o < SKETCH_DIMS; o++) {
      const { idx, sign } = taps[o]!;
      let s = 0;
      for (let t = 0; t < idx.length; t++) s += sign[t]! * data[base + idx[t]!]!;
      out[i * SKETCH_DIMS + o] = s;
      norm += s * s;
    }
    // A row the projection maps to zero keeps zeros: it sits at the centre of the map.
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let o = 0; o < SKETCH_DIMS; o++) out[i * SKETCH_DIMS + o]! *= inv;
    }
  }
  return { data: out, dims: SKETCH_DIMS, rowOf };
}
