// Hard-case mining: which unlabelled images would teach the model most if labelled, and why.
import type { AsyncStore } from '../../core/store/index.js';
import type { StageResult } from '../../inference/cascade/types.js';
import { clusterErrors, clusterRows, type ClusterErrors } from './_clusters.js';
import { latestImages, type ImageRow } from './_latest.js';
import { readLabels } from './_labels.js';
import { leadersOf } from './_near-duplicates.js';

/** Why an image was picked; `weight` is its share of the score. */
export interface HardCaseReason {
  readonly kind: 'threshold' | 'disagreement' | 'cluster-errors';
  readonly weight: number;
  /** Words for the operator. */
  readonly detail: string;
}

/** One unlabelled image worth labelling. */
export interface HardCase {
  /** `queries.id` of the image's latest request. */
  readonly id: number;
  readonly sha256: string;
  readonly prediction: number;
  readonly receivedAt: number;
  readonly validator: string;
  /** The sum of the reasons' weights: higher teaches more. */
  readonly score: number;
  readonly reasons: readonly HardCaseReason[];
  /** Unlabelled near-duplicates (the same pHash cluster) collapsed into this one. */
  readonly duplicates: number;
  /** Its embedding cluster; null without an embedding. */
  readonly cluster: number | null;
}

/** Options of `rankHardCases`. */
export interface HardCaseOptions {
  /** Most cases returned (default 50). */
  readonly limit?: number;
  /** The decision threshold (default 0.5). */
  readonly threshold?: number;
  /**
   * Rank the log as it was at this time, ms since epoch (default: all of it): later requests are
   * ignored, so an operator labelling down the list is not reshuffled by traffic arriving meanwhile.
   */
  readonly now?: number;
}

/** Predictions further than this from the threshold get no `threshold` weight. */
export const THRESHOLD_BAND = 0.25;

const fmt = (p: number) => p.toFixed(2);

function thresholdReason(p: number, t: number): HardCaseReason | undefined {
  const distance = Math.abs(p - t);
  const weight = 1 - distance / THRESHOLD_BAND;
  if (weight <= 0) return undefined;
  return {
    kind: 'threshold',
    weight,
    detail: `prediction ${fmt(p)} is ${fmt(distance)} from the threshold ${fmt(t)}`,
  };
}

function stagesOf(json: string): StageResult[] {
  try {
    const parsed: unknown = JSON.parse(json);
    return Array.isArray(parsed) ? (parsed as StageResult[]) : [];
  } catch {
    return [];
  }
}

/**
 * Stages on opposite sides of the threshold, weighted by the spread between the most and the least
 * confident: a cascade whose stages contradict each other is unsure however confident its answer.
 * Skipped stages and the `cache` stage (a replay of an earlier answer) say nothing.
 */
function disagreementReason(stagesJson: string, t: number): HardCaseReason | undefined {
  const said = stagesOf(stagesJson).filter(
    (s): s is StageResult & { probability: number } =>
      typeof s.probability === 'number' && s.skipped === undefined && s.stage !== 'cache',
  );
  if (said.length < 2) return undefined;
  const hi = said.reduce((a, b) => (b.probability > a.probability ? b : a));
  const lo = said.reduce((a, b) => (b.probability < a.probability ? b : a));
  if (hi.probability < t || lo.probability >= t) return undefined;
  return {
    kind: 'disagreement',
    weight: hi.probability - lo.probability,
    detail: `stages disagree: ${hi.stage} says roadwork (${fmt(hi.probability)}), ${lo.stage} says not (${fmt(lo.probability)})`,
  };
}

/**
 * Its cluster's labelled members the model gets wrong, weighted wrong / (labelled + 1): one wrong of
 * one weighs 0.5, four of four 0.8, so a single mistake does not outweigh a well-attested pattern.
 */
function clusterReason(
  cluster: number | null,
  errors: Map<number, ClusterErrors>,
): HardCaseReason | undefined {
  const e = cluster === null ? undefined : errors.get(cluster);
  if (e === undefined || e.wrong === 0) return undefined;
  return {
    kind: 'cluster-errors',
    weight: e.wrong / (e.labelled + 1),
    detail: `the model is wrong on ${e.wrong} of ${e.labelled} labelled images in its embedding cluster ${cluster}`,
  };
}

/**
 * What ranking reads of the log, before labels weigh in: every distinct image (its latest request, as of
 * `now`) and its embedding cluster. Reading and clustering are nearly all of a ranking's time; a caller
 * that keeps a snapshot (the web app) re-reads only the labels when they change (`relabelSnapshot`).
 */
export interface MiningSnapshot {
  readonly rows: readonly ImageRow[];
  readonly clusterOf: readonly (number | null)[];
  /** The `now` it was read at (undefined: all of the log). */
  readonly now: number | undefined;
}

/** Reads and clusters the log as of `now` (see `HardCaseOptions.now`). */
export async function miningSnapshot(store: AsyncStore, now?: number): Promise<MiningSnapshot> {
  const rows = await latestImages(store, now === undefined ? {} : { before: now });
  return { rows, clusterOf: clusterRows(rows).clusterOf, now };
}

/** The snapshot with every image's label as the store has it now (one read of the labels). */
export async function relabelSnapshot(store: AsyncStore, snapshot: MiningSnapshot): Promise<MiningSnapshot> {
  const labels = await readLabels(store);
  const rows = snapshot.rows.map((r) => {
    const label = labels.get(r.sha256) ?? null;
    return label === r.label ? r : { ...r, label };
  });
  return { ...snapshot, rows };
}

/**
 * Ranks the unlabelled images (one per distinct image, its latest request) by how much a label would
 * teach: a prediction near the threshold, stages that disagree, an embedding cluster whose labelled
 * members the model gets wrong. Near-duplicates by pHash are collapsed into the best of them. Images
 * with no reason are left out. Reads the log in one pass.
 */
export async function rankHardCases(
  store: AsyncStore,
  options: HardCaseOptions = {},
): Promise<readonly HardCase[]> {
  return scoreHardCases(await miningSnapshot(store, options.now), options);
}

/** `rankHardCases` over a snapshot already read (its `now` stands; `options.now` is not read). */
export function scoreHardCases(
  snapshot: MiningSnapshot,
  options: Omit<HardCaseOptions, 'now'> = {},
): readonly HardCase[] {
  const t = options.threshold ?? 0.5;
  const limit = options.limit ?? 50;
  const { rows, clusterOf } = snapshot;
  const errors = clusterErrors(rows, clusterOf, t);
  const scored = rows
    .map((row, i) => ({ row, cluster: clusterOf[i] ?? null }))
    .filter(({ row }) => row.label === null)
    .map(({ row, cluster }) => {
      const reasons = [
        thresholdReason(row.prediction, t),
        disagreementReason(row.stages, t),
        clusterReason(cluster, errors),
      ].filter((r): r is HardCaseReason => r !== undefined);
      return { row, cluster, reasons, score: reasons.reduce((s, r) => s + r.weight, 0) };
    })
    // Best first; ties to the newer request (rows come newest first, and sort is stable).
    .sort((a, b) => b.score - a.score);
  const leaders = leadersOf(scored.map((s) => s.row.phash));
  const duplicates = new Map<number, number>();
  for (const [i, l] of leaders.entries()) if (l !== i) duplicates.set(l, (duplicates.get(l) ?? 0) + 1);
  return scored
    .map((s, i) => ({ ...s, i }))
    .filter((s) => leaders[s.i] === s.i && s.score > 0)
    .slice(0, limit)
    .map(({ row, cluster, reasons, score, i }) =>
      caseOf(row, cluster, reasons, score, duplicates.get(i) ?? 0),
    );
}

function caseOf(
  row: ImageRow,
  cluster: number | null,
  reasons: readonly HardCaseReason[],
  score: number,
  duplicates: number,
): HardCase {
  return {
    id: row.id,
    sha256: row.sha256,
    prediction: row.prediction,
    receivedAt: row.receivedAt,
    validator: row.validator,
    score,
    reasons,
    duplicates,
    cluster,
  };
}
