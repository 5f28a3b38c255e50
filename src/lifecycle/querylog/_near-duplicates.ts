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
  if (maxBits >= 1 && hashes.every((h) => h === '' || HEX64.test(h))) return leaders64(hashes, maxBits);
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

const HEX64 = /^[0-9a-f]{16}$/i;

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * `leadersOf` for 64-bit hashes (the pHash's 16 hex digits), as numbers: the pieces are bit ranges keyed
 * by number and the distance two popcounts, where the general path builds key strings and compares hex
 * digit by digit, which at 20 000 hashes was most of the gallery's re-ranking after a label. Same leaders.
 */
function leaders64(hashes: readonly string[], maxBits: number): number[] {
  const pieces = maxBits + 1;
  const hi = new Uint32Array(hashes.length);
  const lo = new Uint32Array(hashes.length);
  hashes.forEach((h, i) => {
    if (h === '') return;
    hi[i] = parseInt(h.slice(0, 8), 16);
    lo[i] = parseInt(h.slice(8), 16);
  });
  // Bit b of a hash: bit b of `lo` below 32, bit b - 32 of `hi` above. Each piece is at most 32 bits wide.
  const piece = (i: number, p: number): number => {
    const from = Math.floor((p * 64) / pieces);
    const width = Math.floor(((p + 1) * 64) / pieces) - from;
    const mask = width >= 32 ? 0xffffffff : 2 ** width - 1;
    const bits =
      from >= 32 ? hi[i]! >>> (from - 32) : from === 0 ? lo[i]! : (lo[i]! >>> from) | (hi[i]! << (32 - from));
    return p * 2 ** 32 + ((bits & mask) >>> 0);
  };
  const index = new Map<number, number[]>();
  const keys: number[] = [];
  return hashes.map((h, i) => {
    if (h === '') return i;
    keys.length = 0;
    for (let p = 0; p < pieces; p++) keys.push(piece(i, p));
    let leader = -1;
    for (const k of keys) {
      for (const j of index.get(k) ?? []) {
        if (
          (leader === -1 || j < leader) &&
          popcount32(hi[i]! ^ hi[j]!) + popcount32(lo[i]! ^ lo[j]!) <= maxBits
        )
          leader = j;
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
