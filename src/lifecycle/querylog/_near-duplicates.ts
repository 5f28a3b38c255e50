// Near-duplicate images by pHash: leader clustering, indexed so 20k hashes never compare all pairs.
import { hammingDistance } from '../../inference/cache/index.js';

/** Hashes at most this many bits apart (of 64) are the same picture re-encoded, resized or re-cropped a little. */
export const NEAR_DUPLICATE_BITS = 4;

const HEX64 = /^[0-9a-f]{16}$/i;

/** How a walk cuts hash `i` into index keys, and whether hashes `i` and `j` are near. */
interface Pieces<K> {
  keysOf(i: number): K[];
  near(i: number, j: number): boolean;
}

/**
 * Walks hashes in the order given (best first) and gives each the index of the first earlier one within
 * `maxBits` (its leader), or its own index when none is. An empty hash has no near-duplicates.
 *
 * Pigeonhole index: cut each hash into `maxBits + 1` pieces; two hashes at most `maxBits` bits apart
 * differ in at most `maxBits` pieces, so they share at least one piece exactly. Only leaders sharing a
 * piece are compared, instead of every leader.
 */
export function leadersOf(hashes: readonly string[], maxBits = NEAR_DUPLICATE_BITS): number[] {
  if (maxBits >= 1 && hashes.every((h) => h === '' || HEX64.test(h)))
    return walk(hashes, numericPieces(hashes, maxBits));
  return walk(hashes, textPieces(hashes, maxBits));
}

function walk<K>(hashes: readonly string[], pieces: Pieces<K>): number[] {
  const index = new Map<K, number[]>();
  return hashes.map((h, i) => {
    if (h === '') return i;
    const keys = pieces.keysOf(i);
    let leader = -1;
    for (const k of keys) {
      for (const j of index.get(k) ?? []) if ((leader === -1 || j < leader) && pieces.near(i, j)) leader = j;
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

/** Any hashes: pieces are substrings (keyed with the length, so only equal lengths meet). */
function textPieces(hashes: readonly string[], maxBits: number): Pieces<string> {
  const pieces = maxBits + 1;
  return {
    keysOf(i) {
      const h = hashes[i]!;
      const keys: string[] = [];
      for (let p = 0; p < pieces; p++) {
        const from = Math.floor((p * h.length) / pieces);
        const to = Math.floor(((p + 1) * h.length) / pieces);
        keys.push(`${h.length}:${p}:${h.slice(from, to)}`);
      }
      return keys;
    },
    near: (i, j) => hammingDistance(hashes[i]!, hashes[j]!) <= maxBits,
  };
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * 64-bit hashes (the pHash's 16 hex digits) as two numbers: pieces are bit ranges keyed by number and the
 * distance is two popcounts, where the text path builds key strings and compares hex digit by digit —
 * at 20 000 hashes that was most of the gallery's re-ranking after a label. Same leaders.
 */
function numericPieces(hashes: readonly string[], maxBits: number): Pieces<number> {
  const pieces = maxBits + 1;
  const hi = new Uint32Array(hashes.length);
  const lo = new Uint32Array(hashes.length);
  hashes.forEach((h, i) => {
    if (h === '') return;
    hi[i] = parseInt(h.slice(0, 8), 16);
    lo[i] = parseInt(h.slice(8), 16);
  });
  // Bit b of a hash: bit b of `lo` below 32, bit b - 32 of `hi` above; no piece is wider than 32 bits.
  const piece = (i: number, p: number): number => {
    const from = Math.floor((p * 64) / pieces);
    const width = Math.floor(((p + 1) * 64) / pieces) - from;
    const mask = width >= 32 ? 0xffffffff : 2 ** width - 1;
    const bits =
      from >= 32 ? hi[i]! >>> (from - 32) : from === 0 ? lo[i]! : (lo[i]! >>> from) | (hi[i]! << (32 - from));
    return p * 2 ** 32 + ((bits & mask) >>> 0);
  };
  return {
    keysOf: (i) => Array.from({ length: pieces }, (_, p) => piece(i, p)),
    near: (i, j) => popcount32(hi[i]! ^ hi[j]!) + popcount32(lo[i]! ^ lo[j]!) <= maxBits,
  };
}
