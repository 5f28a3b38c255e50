// Boosted trees heads: a sum of small decision trees on the embedding's raw values.

/**
 * One tree as parallel arrays over its nodes, node 0 the root. A node with `feature[i] ≥ 0` splits:
 * a row whose value at that column (counted from the head's first column) is ≤ `threshold[i]` goes
 * to `left[i]`, else to `right[i]`; a node with `feature[i] = −1` is a leaf worth `value[i]`.
 */
export interface Tree {
  readonly feature: readonly number[];
  readonly threshold: readonly number[];
  readonly left: readonly number[];
  readonly right: readonly number[];
  readonly value: readonly number[];
}

/** A `trees` head's model (head file `trees`): the logit is `base` plus one leaf's value per tree. */
export interface TreesSpec {
  readonly base: number;
  readonly trees: readonly Tree[];
}

/** Why `spec` (parsed JSON) is not a usable trees model for `width` inputs, or undefined. */
export function treesProblem(spec: unknown, width: number): string | undefined {
  if (spec === null || typeof spec !== 'object') return 'trees: missing (base, trees)';
  const s = spec as Record<string, unknown>;
  if (!Number.isFinite(s.base)) return `trees.base: ${String(s.base)}`;
  if (!Array.isArray(s.trees) || s.trees.length === 0) return 'trees.trees: empty';
  for (const [t, raw] of (s.trees as unknown[]).entries()) {
    const problem = treeProblem(raw, width);
    if (problem !== undefined) return `trees.trees[${t}]: ${problem}`;
  }
  return undefined;
}

/**
 * A tree is valid when its arrays have one entry per node, every split reads a column inside the
 * head and points forward to nodes of the tree (so a walk ends), and every value is finite.
 */
function treeProblem(raw: unknown, width: number): string | undefined {
  if (raw === null || typeof raw !== 'object') return 'not an object';
  const t = raw as Record<string, unknown>;
  const keys = ['feature', 'threshold', 'left', 'right', 'value'] as const;
  if (!keys.every((k) => Array.isArray(t[k]))) return `want arrays ${keys.join(', ')}`;
  const n = (t.feature as unknown[]).length;
  if (n === 0 || !keys.every((k) => (t[k] as unknown[]).length === n))
    return 'arrays of different lengths, or no node';
  const [feature, threshold, left, right, value] = keys.map((k) => t[k] as number[]) as [
    number[],
    number[],
    number[],
    number[],
    number[],
  ];
  for (let i = 0; i < n; i++) {
    const f = feature[i]!;
    if (!Number.isFinite(value[i])) return `value[${i}]: not finite`;
    if (f === -1) continue;
    if (!Number.isInteger(f) || f < 0 || f >= width)
      return `feature[${i}]: ${String(f)} (want −1 or 0…${width - 1})`;
    if (!Number.isFinite(threshold[i])) return `threshold[${i}]: not finite`;
    const child = (c: unknown) => Number.isInteger(c) && (c as number) > i && (c as number) < n;
    if (!child(left[i]) || !child(right[i]))
      return `left/right[${i}]: ${String(left[i])}/${String(right[i])} (want nodes after ${i}, before ${n})`;
  }
  return undefined;
}

/** The leaf of `tree` that one embedding falls in (its columns read from `offset` on). */
export function treeLeaf(tree: Tree, x: ArrayLike<number>, offset = 0): number {
  let i = 0;
  let f = tree.feature[0]!;
  while (f >= 0) {
    i = (x[offset + f] as number) <= tree.threshold[i]! ? tree.left[i]! : tree.right[i]!;
    f = tree.feature[i]!;
  }
  return i;
}

/** The raw logit of one embedding, reading its columns from `offset` on. */
export function treesLogit(spec: TreesSpec, x: ArrayLike<number>, offset = 0): number {
  let z = spec.base;
  for (const t of spec.trees) z += t.value[treeLeaf(t, x, offset)]!;
  return z;
}
