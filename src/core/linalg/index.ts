// Small dense linear algebra: the leading eigenvectors of a symmetric matrix, projecting vectors off a
// set of directions, and the transpose of a row-major matrix.
import { createRng } from '../random/index.js';

const ITERATIONS = 300;

/** The dot product of two vectors of the same length. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j]! * b[j]!;
  return s;
}

/** The transpose (`cols` × `rows`, row-major) of the row-major `rows` × `cols` matrix `a`. */
export function transposed(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
}

/**
 * The `k` leading eigenvectors of the symmetric d×d matrix `m` (row-major), by power iteration, each
 * orthogonal to those before it, unit length, signed so its largest coordinate is positive. Stops
 * early, with fewer vectors, once what is left of the matrix is zero. Deterministic for one `seed`.
 */
export function leadingEigenvectors(m: Float64Array, d: number, k: number, seed: string): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < Math.min(k, d); i++) {
    const v = component(m, d, out, `${seed}:${i + 1}`);
    if (v === undefined) break;
    out.push(v);
  }
  return out;
}

/** Removes the components along orthonormal `directions` from `v`, in place. */
export function projectOut(v: Float64Array, directions: readonly Float64Array[]): void {
  for (const u of directions) {
    const p = dot(u, v);
    for (let j = 0; j < v.length; j++) v[j]! -= p * u[j]!;
  }
}

/** Removes `before`'s components from `u` and scales it to unit length; returns the norm it had. */
function orthonormalize(u: Float64Array, before: readonly Float64Array[]): number {
  projectOut(u, before);
  const norm = Math.sqrt(dot(u, u));
  if (norm > 0) for (let j = 0; j < u.length; j++) u[j]! /= norm;
  return norm;
}

function component(
  m: Float64Array,
  d: number,
  before: readonly Float64Array[],
  seed: string,
): Float64Array | undefined {
  const rng = createRng(seed);
  let v = Float64Array.from({ length: d }, () => rng.normal());
  orthonormalize(v, before);
  // The matrix's scale, so "nothing left" is judged relative to it.
  let scale = 0;
  for (let j = 0; j < d; j++) scale = Math.max(scale, Math.abs(m[j * d + j]!));
  for (let it = 0; it < ITERATIONS; it++) {
    const next = new Float64Array(d);
    for (let r = 0; r < d; r++) next[r] = dot(m.subarray(r * d, (r + 1) * d), v);
    const norm = orthonormalize(next, before);
    if (norm <= 1e-9 * (scale || 1)) return undefined;
    const converged = Math.abs(dot(next, v)) > 1 - 1e-12;
    v = next;
    if (converged) break;
  }
  let big = 0;
  for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
  if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
  return v;
}
