// The style nullspace (`train --style-null K`): the directions along which cameras differ inside one
// label, removed from the standardised features before a head is fitted, so the head cannot read
// them. Within a label, what tells one camera's photos from another's is the camera, not roadwork.
import { dot, leadingEigenvectors, projectOut } from '../../core/linalg/index.js';

/**
 * Up to `k` orthonormal directions of the standardised rows `xs` (n×d, row-major) along which the
 * means of the style classes lie farthest from their label's mean: the leading eigenvectors of the
 * between-class scatter Σ n_c (μ_c − μ_label)(μ_c − μ_label)ᵀ. Classes are counted inside each
 * label; a row whose class is undefined takes no part. Fewer than `k` when the classes span fewer.
 */
export function styleDirections(
  xs: Float64Array,
  d: number,
  y: ArrayLike<number>,
  classes: readonly (string | undefined)[],
  k: number,
): Float64Array[] {
  const sums = new Map<string, { label: number; n: number; sum: Float64Array }>();
  const labels = new Map<number, { n: number; sum: Float64Array }>();
  classes.forEach((c, r) => {
    if (c === undefined) return;
    const label = y[r]!;
    const key = `${label}|${c}`;
    const cls = sums.get(key) ?? { label, n: 0, sum: new Float64Array(d) };
    const all = labels.get(label) ?? { n: 0, sum: new Float64Array(d) };
    sums.set(key, cls);
    labels.set(label, all);
    cls.n++;
    all.n++;
    for (let j = 0; j < d; j++) {
      cls.sum[j]! += xs[r * d + j]!;
      all.sum[j]! += xs[r * d + j]!;
    }
  });
  // Columns of M: √n_c (μ_c − μ_label). S = M Mᵀ is d×d; its eigenvectors are M v for those of the
  // small Gram matrix Mᵀ M, one row and column per class.
  const offsets = [...sums.values()].map(({ label, n, sum }) => {
    const all = labels.get(label)!;
    return Float64Array.from(sum, (s, j) => Math.sqrt(n) * (s / n - all.sum[j]! / all.n));
  });
  const m = offsets.length;
  const gram = new Float64Array(m * m);
  for (let a = 0; a < m; a++)
    for (let b = a; b < m; b++) gram[a * m + b] = gram[b * m + a] = dot(offsets[a]!, offsets[b]!);
  return leadingEigenvectors(gram, m, k, 'style-null').map((v) => {
    const u = new Float64Array(d);
    v.forEach((c, i) => {
      for (let j = 0; j < d; j++) u[j]! += c * offsets[i]![j]!;
    });
    const norm = Math.sqrt(dot(u, u));
    return u.map((x) => x / norm);
  });
}

/** `projectOut` on every row of an n×d row-major matrix, in place. */
export function projectRows(xs: Float64Array, d: number, directions: readonly Float64Array[]): void {
  if (directions.length === 0) return;
  for (let o = 0; o < xs.length; o += d) projectOut(xs.subarray(o, o + d), directions);
}
