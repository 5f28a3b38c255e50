// Seeded spherical k-means over unit embeddings: the clusters hard-case mining reads errors from.
import { createRng } from '../../core/random/index.js';
import { dotRow, seededSample, type UnitMatrix } from './_vectors.js';

/** Rows the centroids are fitted on: enough to place 32 centroids, few enough to stay fast at 20k rows. */
const FIT_SAMPLE = 2000;
const ITERATIONS = 20;
const MAX_K = 32;

/** How many clusters for `n` embeddings: √(n/2) (a common rule of thumb), at most 32. */
export function clusterCount(n: number): number {
  return n < 2 ? n : Math.min(MAX_K, Math.max(1, Math.round(Math.sqrt(n / 2))));
}

function nearest(m: UnitMatrix, i: number, centroids: Float64Array, k: number): number {
  let best = 0;
  let bestSim = -Infinity;
  for (let c = 0; c < k; c++) {
    const s = dotRow(m, i, centroids, c * m.dims);
    if (s > bestSim) [best, bestSim] = [c, s];
  }
  return best;
}

function seedCentroids(m: UnitMatrix, sample: readonly number[], k: number, seed: string): Float64Array {
  // k-means++: each next centroid drawn with probability ∝ its squared distance to the nearest so far.
  const rng = createRng(seed);
  const { dims, data } = m;
  const centroids = new Float64Array(k * dims);
  const dist = new Float64Array(sample.length).fill(Infinity);
  let pick = sample[rng.int(0, sample.length - 1)]!;
  for (let c = 0; c < k; c++) {
    centroids.set(data.subarray(pick * dims, (pick + 1) * dims), c * dims);
    let total = 0;
    for (const [s, i] of sample.entries()) {
      // Unit vectors: |a − b|² = 2 − 2 a·b.
      dist[s] = Math.min(dist[s]!, Math.max(0, 2 - 2 * dotRow(m, i, centroids, c * dims)));
      total += dist[s]!;
    }
    if (total === 0) return centroids.subarray(0, (c + 1) * dims);
    let r = rng.next() * total;
    pick = sample[sample.length - 1]!;
    for (const [s, i] of sample.entries()) if ((r -= dist[s]!) <= 0) [pick, r] = [i, Infinity];
  }
  return centroids;
}

/**
 * The cluster of each matrix row. Centroids are fitted (k-means++, then Lloyd's steps) on a seeded
 * sample of at most 2000 rows and every row is then assigned once: O(n·k·d) instead of
 * O(n·k·d·iterations). Same rows in, same clusters out.
 */
export function kmeans(m: UnitMatrix, options: { k?: number; seed?: string } = {}): Int32Array {
  const n = m.rowOf.length;
  const assign = new Int32Array(n);
  const k0 = Math.min(options.k ?? clusterCount(n), n);
  if (k0 <= 1) return assign;
  const sample = seededSample(n, FIT_SAMPLE, `${options.seed ?? 'kmeans'}:sample`);
  const centroids = seedCentroids(m, sample, k0, options.seed ?? 'kmeans');
  const k = centroids.length / m.dims;
  const { dims, data } = m;
  for (let it = 0; it < ITERATIONS; it++) {
    let moved = false;
    const sums = new Float64Array(k * dims);
    for (const i of sample) {
      const c = nearest(m, i, centroids, k);
      if (assign[i] !== c || it === 0) moved = true;
      assign[i] = c;
      for (let j = 0; j < dims; j++) sums[c * dims + j]! += data[i * dims + j]!;
    }
    if (!moved) break;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < dims; j++) s += sums[c * dims + j]! ** 2;
      // An emptied cluster keeps its centroid rather than collapsing to zero.
      if (s === 0) continue;
      const inv = 1 / Math.sqrt(s);
      for (let j = 0; j < dims; j++) centroids[c * dims + j] = sums[c * dims + j]! * inv;
    }
  }
  for (let i = 0; i < n; i++) assign[i] = nearest(m, i, centroids, k);
  return assign;
}
