// A 2-D projection of (sketched) unit embeddings: the first two principal components.
//
// Why PCA and not t-SNE or UMAP: it is deterministic (the same log gives the same picture, so a point
// the operator found stays where it was), linear (distance along an axis means the same everywhere),
// O(n·d²) on the 64-wide sketch with no dependency, and a new point is placed by two dot products.
// t-SNE and UMAP separate clusters better on screen but are stochastic, far slower and need a package.
import { createRng } from '../../core/random/index.js';
import type { UnitMatrix } from './_vectors.js';

const ITERATIONS = 300;

// The leading eigenvector of a symmetric d×d matrix by power iteration, orthogonal to `before`.
function component(
  cov: Float64Array,
  d: number,
  before: readonly Float64Array[],
  seed: string,
): Float64Array {
  const rng = createRng(seed);
  let v = Float64Array.from({ length: d }, () => rng.normal());
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, j) => s + x * b[j]!, 0);
  const orthonormal = (u: Float64Array) => {
    for (const b of before) {
      const p = dot(b, u);
      for (let j = 0; j < d; j++) u[j]! -= p * b[j]!;
    }
    const norm = Math.sqrt(dot(u, u));
    if (norm > 0) for (let j = 0; j < d; j++) u[j]! /= norm;
    return norm;
  };
  orthonormal(v);
  for (let it = 0; it < ITERATIONS; it++) {
    const next = new Float64Array(d);
    for (let r = 0; r < d; r++) next[r] = dot(cov.subarray(r * d, (r + 1) * d), v);
    if (orthonormal(next) === 0) break;
    const converged = Math.abs(dot(next, v)) > 1 - 1e-12;
    v = next;
    if (converged) break;
  }
  // A component's sign is arbitrary; fix it so its largest coordinate is positive.
  let big = 0;
  for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
  if (v[big]! < 0) for (let j = 0; j < d; j++) v[j] = -v[j]!;
  return v;
}

/** x, y of every matrix row (interleaved), on the first two principal components of all rows. */
export function project2d(m: UnitMatrix, seed = 'pca'): Float64Array {
  const n = m.rowOf.length;
  const { dims: d, data } = m;
  const out = new Float64Array(n * 2);
  if (n === 0) return out;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += data[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = data[i * d + j]! - mean[j]!;
    for (let a = 0; a < d; a++) {
      const x = row[a]!;
      if (x === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b]! += x * row[b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a]!;
  const pc1 = component(cov, d, [], `${seed}:1`);
  const pc2 = component(cov, d, [pc1], `${seed}:2`);
  for (let i = 0; i < n; i++) {
    let x = 0;
    let y = 0;
    for (let j = 0; j < d; j++) {
      const c = data[i * d + j]! - mean[j]!;
      x += c * pc1[j]!;
      y += c * pc2[j]!;
    }
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}
