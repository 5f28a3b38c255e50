/** Scores a run's records as the subnet does: overall, per level (2.0.4) or origin (0.4), per image group. */
import type { StageResult } from '../../inference/cascade/types.js';
import {
  CHALLENGE_ORIGINS,
  ScoreBoard,
  roundHalfEven,
  windowMetrics,
  type AugmentLevel,
  type ChallengeOrigin,
} from '../validator/index.js';

/** One line of the records file: one challenge and the answer it got. */
export interface EvalRecord {
  readonly i: number;
  readonly label: 0 | 1;
  /** 2.0.4 challenges: the augmentation level. */
  readonly level?: AugmentLevel;
  /** 0.4 challenges: the pool (real, synthetic, api) and the size the image was sent at. */
  readonly origin?: ChallengeOrigin;
  readonly width?: number;
  readonly height?: number;
  readonly group: string;
  /** The stored answer; -1 when there was no valid answer. */
  readonly prediction: number;
  /** The dendrite status code (200 ok, 408 timeout, 503 unreachable, ...). */
  readonly status: number;
  readonly latency_ms: number;
  /** Without an answer: the axon's (or dendrite's) error code and message. */
  readonly code?: string;
  readonly reason?: string;
  /** The image the challenge was made from. */
  readonly source?: string;
  /** Per-stage details when the predictor reports them. */
  readonly stages?: readonly StageResult[];
}

/** Latency percentiles (nearest rank) over answered (status 200) challenges; null when none. */
export interface LatencySummary {
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly mean: number | null;
  readonly max: number | null;
}

/** Metrics of a set of records. */
export interface MetricBlock {
  readonly n: number;
  /** Records with an answer other than -1. */
  readonly valid: number;
  /** Records with no valid answer (-1). */
  readonly errors: number;
  /** Clamped MCC over every valid answer, predictions rounded half to even (as validators do). */
  readonly mcc: number;
  readonly accuracy: number;
  /** The validator's moving-average score after replaying the records in order through a ScoreBoard. */
  readonly reward_ema: number;
  /** Mean of the per-answer rewards of that replay ((0.5·mcc₁₀₀ + 0.5·acc₁₀)³). */
  readonly reward_mean: number;
  readonly confusion: { readonly tp: number; readonly fp: number; readonly tn: number; readonly fn: number };
  /** Count per status code. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly latency_ms: LatencySummary;
}

/** One bin of the reliability diagram. */
export interface CalibrationBin {
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
  readonly mean_prediction: number | null;
  readonly positive_rate: number | null;
}

/** How far challenges went through a cascade's stages. */
export interface StageSummary {
  /** Records where the stage ran (not skipped). */
  readonly reached: number;
  /** Records where it was the last stage that ran. */
  readonly exits: number;
  /** Accuracy of the final answer on those exits; null when none. */
  readonly exit_accuracy: number | null;
}

/** The whole run: overall metrics plus breakdowns. */
export interface EvalSummary extends MetricBlock {
  /** By augmentation level, over 2.0.4 challenges (empty for 0.4). */
  readonly levels: Readonly<Record<string, MetricBlock>>;
  /** By origin (real, synthetic, api), over 0.4 challenges (empty for 2.0.4). */
  readonly origins: Readonly<Record<string, MetricBlock>>;
  readonly groups: Readonly<Record<string, MetricBlock>>;
  /** Ten equal-width bins of the valid predictions. */
  readonly calibration: readonly CalibrationBin[];
  /** Expected calibration error over those bins. */
  readonly ece: number | null;
  /** Present only when records carry stage data. */
  readonly stages?: Readonly<Record<string, StageSummary>>;
  /** Challenges without an answer, by `status code`: how many, and the first message seen. */
  readonly refusals: Readonly<Record<string, Refusal>>;
}

/** One kind of failed challenge. */
export interface Refusal {
  readonly status: number;
  readonly code?: string;
  readonly n: number;
  readonly reason?: string;
}

function refusalsOf(records: readonly EvalRecord[]): Record<string, Refusal> {
  const out: Record<string, Refusal> = {};
  for (const r of records) {
    if (r.status === 200) continue;
    const key = `${r.status}${r.code ? ` ${r.code}` : ''}`;
    const seen = out[key];
    out[key] = seen
      ? { ...seen, n: seen.n + 1 }
      : { status: r.status, ...(r.code && { code: r.code }), n: 1, ...(r.reason && { reason: r.reason }) };
  }
  return out;
}

/** Scores `records` (taken in their order, which should be `i` order). */
export function summariseRecords(records: readonly EvalRecord[]): EvalSummary {
  const levels: Record<string, MetricBlock> = {};
  for (const level of [0, 1, 2, 3] as const) {
    const slice = records.filter((r) => r.level === level);
    if (slice.length > 0) levels[String(level)] = metricBlock(slice);
  }
  const origins: Record<string, MetricBlock> = {};
  for (const origin of CHALLENGE_ORIGINS) {
    const slice = records.filter((r) => r.origin === origin);
    if (slice.length > 0) origins[origin] = metricBlock(slice);
  }
  const groups: Record<string, MetricBlock> = {};
  for (const group of [...new Set(records.map((r) => r.group))].sort()) {
    groups[group] = metricBlock(records.filter((r) => r.group === group));
  }
  const calibration = calibrationBins(records);
  const binned = calibration.reduce((sum, b) => sum + b.n, 0);
  const ece = binned
    ? calibration.reduce(
        (sum, b) => sum + (b.n / binned) * Math.abs((b.mean_prediction ?? 0) - (b.positive_rate ?? 0)),
        0,
      )
    : null;
  const stages = stageSummary(records);
  return {
    ...metricBlock(records),
    levels,
    origins,
    groups,
    calibration,
    ece,
    ...(stages ? { stages } : {}),
    refusals: refusalsOf(records),
  };
}

/** The rows a report shows between the total and the groups: `level N` (2.0.4) and each origin (0.4). */
export function sliceRows(summary: EvalSummary): [string, MetricBlock][] {
  return [
    ...Object.entries(summary.levels).map(([level, b]): [string, MetricBlock] => [`level ${level}`, b]),
    ...Object.entries(summary.origins ?? {}),
  ];
}

/** The metrics of one set of records. */
export function metricBlock(records: readonly EvalRecord[]): MetricBlock {
  // The whole run as one window: the validator's rules (rounding, clamping, sklearn's failures) apply.
  const { mcc, accuracy } = windowMetrics(records, records.length);
  const board = new ScoreBoard();
  let rewardSum = 0;
  const confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  const statuses: Record<string, number> = {};
  for (const r of records) {
    rewardSum += board.record(r.prediction === -1 ? null : r.prediction, r.label).reward;
    statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
    if (r.prediction === -1) continue;
    const p = roundHalfEven(r.prediction);
    if (p === 1) confusion[r.label === 1 ? 'tp' : 'fp']++;
    else if (p === 0) confusion[r.label === 1 ? 'fn' : 'tn']++;
  }
  return {
    n: records.length,
    valid: records.filter((r) => r.prediction !== -1).length,
    errors: records.filter((r) => r.prediction === -1).length,
    mcc,
    accuracy,
    reward_ema: board.score,
    reward_mean: records.length ? rewardSum / records.length : 0,
    confusion,
    statuses,
    latency_ms: latencySummary(records.filter((r) => r.status === 200).map((r) => r.latency_ms)),
  };
}

/** Nearest-rank percentiles of `values`. */
export function latencySummary(values: readonly number[]): LatencySummary {
  if (values.length === 0) return { p50: null, p95: null, p99: null, mean: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), mean, max: sorted[sorted.length - 1] as number };
}

function calibrationBins(records: readonly EvalRecord[], bins = 10): CalibrationBin[] {
  const acc = Array.from({ length: bins }, () => ({ n: 0, p: 0, pos: 0 }));
  for (const r of records) {
    if (r.prediction < 0 || r.prediction > 1) continue;
    const bin = acc[Math.min(bins - 1, Math.floor(r.prediction * bins))] as (typeof acc)[number];
    bin.n++;
    bin.p += r.prediction;
    bin.pos += r.label;
  }
  return acc.map((b, k) => ({
    lo: k / bins,
    hi: (k + 1) / bins,
    n: b.n,
    mean_prediction: b.n ? b.p / b.n : null,
    positive_rate: b.n ? b.pos / b.n : null,
  }));
}

function stageSummary(records: readonly EvalRecord[]): Record<string, StageSummary> | undefined {
  const staged = records.filter((r) => r.stages !== undefined && r.stages.length > 0);
  if (staged.length === 0) return undefined;
  const tally = new Map<string, { reached: number; exits: number; correct: number }>();
  for (const r of staged) {
    const ran = (r.stages ?? []).filter((s) => s.skipped === undefined);
    for (const s of r.stages ?? [])
      if (!tally.has(s.stage)) tally.set(s.stage, { reached: 0, exits: 0, correct: 0 });
    for (const s of ran) (tally.get(s.stage) as { reached: number }).reached++;
    const last = ran[ran.length - 1];
    if (last === undefined) continue;
    const t = tally.get(last.stage) as { exits: number; correct: number };
    t.exits++;
    if (r.prediction !== -1 && roundHalfEven(r.prediction) === r.label) t.correct++;
  }
  return Object.fromEntries(
    [...tally].map(([stage, t]) => [
      stage,
      { reached: t.reached, exits: t.exits, exit_accuracy: t.exits ? t.correct / t.exits : null },
    ]),
  );
}
