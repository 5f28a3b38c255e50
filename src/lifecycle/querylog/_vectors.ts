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
