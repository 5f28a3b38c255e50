// Splits and cross-validation folds by group (the manifest's source clip or collection), seeded.
import { createRng } from '../../core/random/index.js';

/**
 * Assigns every group to one of `k` folds: groups in a seeded random order, then largest first, each
 * into the fold with the fewest rows so far. Returns the fold of each row; rows of a group share it.
 */
export function groupFolds(groups: readonly string[], k: number, seed: string): Int32Array {
  const sizes = new Map<string, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const rng = createRng(`folds|${seed}`);
  const order = [...sizes.keys()].sort();
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  // A stable sort keeps the shuffled order among groups of equal size.
  order.sort((a, b) => sizes.get(b)! - sizes.get(a)!);
  const load = new Array<number>(k).fill(0);
  const foldOf = new Map<string, number>();
  for (const g of order) {
    let best = 0;
    for (let f = 1; f < k; f++) if (load[f]! < load[best]!) best = f;
    foldOf.set(g, best);
    load[best]! += sizes.get(g)!;
  }
  return Int32Array.from(groups, (g) => foldOf.get(g)!);
}

/**
 * Holds out about `fraction` of the rows, whole groups at a time (seeded); returns true for held-out
 * rows. At least one group is held out when there are two or more.
 */
export function groupHoldout(groups: readonly string[], fraction: number, seed: string): Uint8Array {
  const names = [...new Set(groups)].sort();
  const rng = createRng(`holdout|${seed}`);
  for (let i = names.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  const sizes = new Map<string, number>();
  for (const g of groups) sizes.set(g, (sizes.get(g) ?? 0) + 1);
  const held = new Set<string>();
  let count = 0;
  for (const g of names) {
    if (held.size > 0 && count + sizes.get(g)! > fraction * groups.length) continue;
    if (held.size >= names.length - 1) break;
    held.add(g);
    count += sizes.get(g)!;
  }
  return Uint8Array.from(groups, (g) => (held.has(g) ? 1 : 0));
}
