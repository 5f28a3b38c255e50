// A 2-D projection of (sketched) unit embeddings: the first two principal components.
//
// Why PCA and not t-SNE or UMAP: it is deterministic (the same log gives the same picture, so a point
// the operator found stays where it was), linear (distance along an axis means the same everywhere),
// O(n·d²) on the 64-wide sketch with no dependency, and a new point is placed by two dot products.
// t-SNE and UMAP separate clusters better on screen but are stochastic, far slower and need a package.
import { leadingEigenvectors } from '../../core/linalg/index.js';
import type { UnitMatrix } from './_vectors.js';

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
  // All points alike: nothing to spread them along, so they sit at the origin.
  const [pc1 = new Float64Array(d), pc2 = new Float64Array(d)] = leadingEigenvectors(cov, d, 2, seed);
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
