// A 2-D projection of unit embeddings: the first two principal components, by power iteration.
//
// Why PCA and not t-SNE or UMAP: it is deterministic (the same log gives the same picture, so a point
// the operator found stays where it was), linear (distance along an axis means the same everywhere),
// O(n·d) with no dependency, and a projection of new points is one dot product each. t-SNE and UMAP
// separate clusters better on screen but are stochastic, slower by orders, and would need a package.
import { createRng } from '../../core/random/index.js';
import { dotRow, seededSample, type UnitMatrix } from './_vectors.js';

/** Rows the components are fitted on (seeded sample): the components of 2000 rows are stable. */
const FIT_SAMPLE = 2000;
const ITERATIONS = 100;

function normalise(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.sqrt(s);
  if (norm > 0) for (let j = 0; j < v.length; j++) v[j]! /= norm;
  return norm;
}

// One component: v ← Cᵀ C v over the centred sample, orthogonal to the components found before.
function component(
  m: UnitMatrix,
  sample: readonly number[],
  mean: Float64Array,
  before: readonly Float64Array[],
  seed: string,
): Float64Array {
  const { dims } = m;
  const rng = createRng(seed);
  let v = Float64Array.from({ length: dims }, () => rng.normal());
  const meanDot = (u: Float64Array) => mean.reduce((s, x, j) => s + x * u[j]!, 0);
  for (let it = 0; it < ITERATIONS; it++) {
    for (const b of before) {
      const p = b.reduce((s, x, j) => s + x * v[j]!, 0);
      for (let j = 0; j < dims; j++) v[j]! -= p * b[j]!;
    }
    if (normalise(v) === 0) break;
    const next = new Float64Array(dims);
    const mv = meanDot(v);
    for (const i of sample) {
      const t = dotRow(m, i, v) - mv;
      const base = i * dims;
      for (let j = 0; j < dims; j++) next[j]! += t * (m.data[base + j]! - mean[j]!);
    }
    const prev = v;
    v = next;
    normalise(v);
    if (v.reduce((s, x, j) => s + x * prev[j]!, 0) > 1 - 1e-9) break;
  }
  for (const b of before) {
    const p = b.reduce((s, x, j) => s + x * v[j]!, 0);
    for (let j = 0; j < dims; j++) v[j]! -= p * b[j]!;
  }
  normalise(v);
  // A component's sign is arbitrary; fix it so its largest coordinate is positive.
  let big = 0;
  for (let j = 1; j < dims; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
  if (v[big]! < 0) for (let j = 0; j < dims; j++) v[j] = -v[j]!;
  return v;
}

/** x, y of every matrix row (interleaved), on the first two principal components. */
export function project2d(m: UnitMatrix, seed = 'pca'): Float64Array {
  const n = m.rowOf.length;
  const { dims } = m;
  const out = new Float64Array(n * 2);
  if (n === 0) return out;
  const sample = seededSample(n, FIT_SAMPLE, `${seed}:sample`);
  const mean = new Float64Array(dims);
  for (const i of sample) for (let j = 0; j < dims; j++) mean[j]! += m.data[i * dims + j]! / sample.length;
  const pc1 = component(m, sample, mean, [], `${seed}:1`);
  const pc2 = component(m, sample, mean, [pc1], `${seed}:2`);
  const m1 = mean.reduce((s, x, j) => s + x * pc1[j]!, 0);
  const m2 = mean.reduce((s, x, j) => s + x * pc2[j]!, 0);
  for (let i = 0; i < n; i++) {
    out[2 * i] = dotRow(m, i, pc1) - m1;
    out[2 * i + 1] = dotRow(m, i, pc2) - m2;
  }
  return out;
}
