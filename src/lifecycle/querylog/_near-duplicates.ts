// Near-duplicate images by pHash: leader clustering, indexed so 20k hashes never compare all pairs.
import { hammingDistance } from '../../inference/cache/index.js';

/** Hashes at most this many bits apart (of 64) are the same picture re-encoded, resized or re-cropped a little. */
export const NEAR_DUPLICATE_BITS = 4;

/**
 * Walks hashes in the order given (best first) and gives each the index of the first earlier one within
 * `maxBits` (its leader), or its own index when none is. An empty hash has no near-duplicates.
 *
 * Pigeonhole index: cut each hash into `maxBits + 1` pieces; two hashes at most `maxBits` bits apart
 * differ in at most `maxBits` pieces, so they share at least one piece exactly. Only leaders sharing a
 * piece are compared, instead of every leader.
 */
export function leadersOf(hashes: readonly string[], maxBits = NEAR_DUPLICATE_BITS): number[] {
  const pieces = maxBits + 1;
  const index = new Map<string, number[]>();
  const keysOf = (h: string): string[] => {
    const keys: string[] = [];
    for (let p = 0; p < pieces; p++) {
      const from = Math.floor((p * h.length) / pieces);
      const to = Math.floor(((p + 1) * h.length) / pieces);
      keys.push(`${h.length}:${p}:${h.slice(from, to)}`);
    }
    return keys;
  };
  return hashes.map((h, i) => {
    if (h === '') return i;
    const keys = keysOf(h);
    let leader = -1;
    for (const k of keys) {
      for (const j of index.get(k) ?? []) {
        if ((leader === -1 || j < leader) && hammingDistance(h, hashes[j]!) <= maxBits) leader = j;
      }
    }
    if (leader !== -1) return leader;
    for (const k of keys) {
      const list = index.get(k);
      if (list === undefined) index.set(k, [i]);
      else list.push(i);
    }
    return i;
  });
}
