// The dataset checks over inspected images: unusable, tiny, exact and near duplicates, label conflicts.
import type { ImageFacts } from './_inspect.js';

/** An image of the source with its label, group and inspected facts. */
export interface Candidate {
  /** Where it came from (relative path, or parquet file and row). */
  readonly id: string;
  readonly label: 0 | 1;
  readonly group: string;
  readonly facts: ImageFacts;
}

/** Why an image was left out of the version. */
export type RejectReason = 'decode' | 'format' | 'tiny' | 'duplicate' | 'conflict';

/** The checks' thresholds. */
export interface CheckOptions {
  /** Images whose shorter side is below this are left out. Default 64. */
  readonly minSide?: number;
  /** pHash Hamming distance at or below which two images count as near duplicates. Default 6. */
  readonly hamming?: number;
}

/** What the checks found; `accepted` is what the dataset version holds. */
export interface CheckResult {
  readonly accepted: readonly Candidate[];
  readonly rejected: readonly { id: string; reason: RejectReason; detail: string }[];
  /** Kept, but similar enough to an earlier image to leak across a train/test split. */
  readonly nearDuplicates: readonly { id: string; of: string; distance: number; sameLabel: boolean }[];
}

/** Default thresholds. */
export const CHECK_DEFAULTS = Object.freeze({ minSide: 64, hamming: 6 });

/**
 * Runs the checks in source order, so the first copy of a duplicate is the one kept. Exact copies
 * (same sha256) with different labels are all left out: nothing says which label is right.
 */
export function checkCandidates(candidates: readonly Candidate[], options: CheckOptions = {}): CheckResult {
  const minSide = options.minSide ?? CHECK_DEFAULTS.minSide;
  const hamming = options.hamming ?? CHECK_DEFAULTS.hamming;
  const rejected: { id: string; reason: RejectReason; detail: string }[] = [];
  const labelsBySha = new Map<string, Set<number>>();
  for (const c of candidates) {
    if (c.facts.problem) continue;
    const set = labelsBySha.get(c.facts.sha256) ?? new Set<number>();
    set.add(c.label);
    labelsBySha.set(c.facts.sha256, set);
  }
  const firstBySha = new Map<string, string>();
  const kept: Candidate[] = [];
  for (const c of candidates) {
    const f = c.facts;
    if (f.problem) {
      rejected.push({ id: c.id, reason: f.problem.reason, detail: f.problem.detail });
    } else if (Math.min(f.width ?? 0, f.height ?? 0) < minSide) {
      rejected.push({ id: c.id, reason: 'tiny', detail: `${f.width}x${f.height} < ${minSide} px` });
    } else if ((labelsBySha.get(f.sha256)?.size ?? 0) > 1) {
      rejected.push({
        id: c.id,
        reason: 'conflict',
        detail: `identical file labelled both 0 and 1 (${f.sha256.slice(0, 12)})`,
      });
    } else if (firstBySha.has(f.sha256)) {
      rejected.push({ id: c.id, reason: 'duplicate', detail: `identical to ${firstBySha.get(f.sha256)}` });
    } else {
      firstBySha.set(f.sha256, c.id);
      kept.push(c);
    }
  }
  return { accepted: kept, rejected, nearDuplicates: nearDuplicates(kept, hamming) };
}

// Pairwise over 64-bit hashes split in two 32-bit words: 10k images is 50M popcounts, well under a second.
function nearDuplicates(kept: readonly Candidate[], hamming: number): CheckResult['nearDuplicates'] {
  const hi = Uint32Array.from(kept, (c) => parseInt(c.facts.phash!.slice(0, 8), 16));
  const lo = Uint32Array.from(kept, (c) => parseInt(c.facts.phash!.slice(8, 16), 16));
  const found: { id: string; of: string; distance: number; sameLabel: boolean }[] = [];
  for (let i = 1; i < kept.length; i++) {
    for (let j = 0; j < i; j++) {
      const d = popcount(hi[i]! ^ hi[j]!) + popcount(lo[i]! ^ lo[j]!);
      if (d <= hamming) {
        found.push({
          id: kept[i]!.id,
          of: kept[j]!.id,
          distance: d,
          sameLabel: kept[i]!.label === kept[j]!.label,
        });
        break;
      }
    }
  }
  return found;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
