// Classification metrics (MCC, accuracy, AUC), the validators' expected reward, bootstrap CIs over groups.
import { rewardFor } from '../../validation/validator/index.js';
import { createRng } from '../../core/random/index.js';

/** Scores of probabilities against 0/1 labels at a threshold. */
export interface Scores {
  readonly n: number;
  readonly mcc: number;
  readonly accuracy: number;
  readonly auc: number;
}

/** Matthews correlation coefficient of hard predictions (0 when undefined, as sklearn does). */
export function mcc(pred: ArrayLike<number>, y: ArrayLike<number>, weights?: ArrayLike<number>): number {
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const w = weights?.[i] ?? 1;
    if (pred[i]) {
      if (y[i]) tp += w;
      else fp += w;
    } else if (y[i]) fn += w;
    else tn += w;
  }
  const den = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
  return den === 0 ? 0 : (tp * tn - fp * fn) / den;
}

/** Area under the ROC curve (ties count half); NaN when one class is absent. */
export function auc(scores: ArrayLike<number>, y: ArrayLike<number>): number {
  const idx = Array.from({ length: y.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let pos = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (y[idx[k]!]) {
        rankSumPos += rank;
        pos++;
      }
    }
    i = j + 1;
  }
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** MCC, accuracy and AUC of probabilities `p` thresholded at `threshold` (default 0.5, as validators round). */
export function scores(p: ArrayLike<number>, y: ArrayLike<number>, threshold = 0.5): Scores {
  const pred = Array.from(p as ArrayLike<number>, (v) => (v >= threshold ? 1 : 0));
  let right = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) right++;
  return { n: y.length, mcc: mcc(pred, y), accuracy: y.length ? right / y.length : NaN, auc: auc(p, y) };
}

/**
 * The reward a validator would pay on a balanced challenge stream (validators send 50 % roadwork):
 * `((MCC⁺ + accuracy) / 2)³` with both computed after reweighting the classes to equal mass.
 */
export function expectedReward(p: ArrayLike<number>, y: ArrayLike<number>, threshold = 0.5): number {
  let pos = 0;
  for (let i = 0; i < y.length; i++) pos += y[i]!;
  const neg = y.length - pos;
  if (pos === 0 || neg === 0) return NaN;
  const w = Array.from(y as ArrayLike<number>, (v) => (v ? 0.5 / pos : 0.5 / neg));
  const pred = Array.from(p as ArrayLike<number>, (v) => (v >= threshold ? 1 : 0));
  let acc = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) acc += w[i]!;
  return rewardFor(0.5, Math.max(0, mcc(pred, y, w)), acc);
}

/** A point estimate with a percentile bootstrap interval. */
export interface Estimate {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * Bootstrap over groups: resamples whole groups with replacement (frames of one clip are not
 * independent), recomputes `stat` and returns the 2.5–97.5 % percentiles. Seeded.
 */
export function bootstrapByGroup(
  rows: BootstrapRows,
  stat: (p: number[], y: number[]) => number,
  options: BootstrapOptions = {},
): Estimate {
  return bootstrapStatsByGroup(rows, (p, y) => ({ value: stat(p, y) }), options).value;
}

/** The rows a bootstrap resamples: probabilities (or positions), labels and each row's group. */
export interface BootstrapRows {
  readonly p: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly groups: readonly string[];
}

/** Rounds (default 500) and the seed of the resamples (default `ci`). */
export interface BootstrapOptions {
  readonly rounds?: number;
  readonly seed?: string;
}

/**
 * `bootstrapByGroup` for several statistics of one resample at once (`stats` returns them by
 * name): the same resamples as one call per statistic with the same seed, so the same estimates, at
 * the cost of one. A resample where a statistic is not finite leaves it out of that statistic only.
 */
export function bootstrapStatsByGroup<K extends string>(
  rows: BootstrapRows,
  stats: (p: number[], y: number[]) => Record<K, number>,
  options: BootstrapOptions = {},
): Record<K, Estimate> {
  const byGroup = new Map<string, number[]>();
  rows.groups.forEach((g, i) => {
    const list = byGroup.get(g) ?? [];
    list.push(i);
    byGroup.set(g, list);
  });
  const names = [...byGroup.keys()].sort();
  const all = Array.from({ length: rows.y.length }, (_, i) => i);
  const pick = (idx: number[]) =>
    stats(
      idx.map((i) => rows.p[i]!),
      idx.map((i) => rows.y[i]!),
    );
  const point = pick(all);
  const keys = Object.keys(point) as K[];
  const values = new Map<K, number[]>(keys.map((k) => [k, []]));
  const rng = createRng(`bootstrap|${options.seed ?? 'ci'}`);
  for (let r = 0; r < (options.rounds ?? 500); r++) {
    const idx: number[] = [];
    for (let k = 0; k < names.length; k++) idx.push(...byGroup.get(names[rng.int(0, names.length - 1)]!)!);
    const drawn = pick(idx);
    for (const k of keys) if (Number.isFinite(drawn[k])) values.get(k)!.push(drawn[k]);
  }
  const estimate = (value: number, sorted: number[]): Estimate => {
    const q = (f: number) =>
      sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(f * sorted.length)))] ?? NaN;
    return { value, lo: q(0.025), hi: q(0.975) };
  };
  return Object.fromEntries(
    keys.map((k) => [
      k,
      estimate(
        point[k],
        values.get(k)!.sort((a, b) => a - b),
      ),
    ]),
  ) as Record<K, Estimate>;
}
