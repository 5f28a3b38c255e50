// Repeated cross-validation: one protocol over several draws of its folds, so a recipe is judged by
// the mean and spread of its held-out scores instead of by one draw (on the proxy, one recipe's
// in-car MCC moved by 0.23 with the folds alone).
import type { Scores } from './_metrics.js';

/** The seeds of `n` fold draws: the first is `seed` itself, so one draw is the unrepeated run. */
export function drawSeeds(seed: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? seed : `${seed}#${i + 1}`));
}

/** Mean, sample standard deviation and range of one score over the draws. */
export interface Spread {
  readonly mean: number;
  /** 0 for one draw. */
  readonly sd: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

/** The spread of `values` (NaN where a draw had no score, e.g. AUC of one class, is left out). */
export function spread(values: readonly number[]): Spread {
  const v = values.filter((x) => Number.isFinite(x));
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const ss = v.reduce((s, x) => s + (x - mean) ** 2, 0);
  return {
    mean,
    sd: v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0,
    min: Math.min(...v),
    max: Math.max(...v),
    values,
  };
}

/** MCC and AUC of one slice over the draws. */
export interface RepeatedSlice {
  readonly mcc: Spread;
  readonly auc: Spread;
}

/** One slice's scores, one per draw, as a `RepeatedSlice`. */
export function repeatedSlice(draws: readonly Pick<Scores, 'mcc' | 'auc'>[]): RepeatedSlice {
  return { mcc: spread(draws.map((s) => s.mcc)), auc: spread(draws.map((s) => s.auc)) };
}

/**
 * Every named slice scored in each draw (a name missing from some draw is left out of those), as
 * `RepeatedSlice`s.
 */
export function repeatedSlices(
  draws: readonly Readonly<Record<string, Pick<Scores, 'mcc' | 'auc'>>>[],
): Record<string, RepeatedSlice> {
  const names = [...new Set(draws.flatMap((d) => Object.keys(d)))];
  return Object.fromEntries(
    names.map((name) => [name, repeatedSlice(draws.flatMap((d) => (d[name] ? [d[name]] : [])))]),
  );
}

/** What repeated cross-validation measured at the chosen L2. */
export interface RepeatReport {
  /** The draws' seeds, the first being the run's own. */
  readonly seeds: readonly string[];
  /** The grouped CV over every view. */
  readonly cv: RepeatedSlice;
  /**
   * The same-camera proxy, when it ran: its headline (`in-car cameras` or the kind it scored), then
   * each camera kind and each pair holding both labels, by the names of the proxy's table.
   */
  readonly proxy?: Readonly<Record<string, RepeatedSlice>>;
  /** The name of the proxy's headline slice in `proxy`. */
  readonly proxyHeadline?: string;
}

/** `0.312 ± 0.081 [0.16, 0.39]`: a spread as reports write it. */
export function spreadText(s: Spread): string {
  if (!Number.isFinite(s.mean)) return '–';
  return `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)} [${s.min.toFixed(2)}, ${s.max.toFixed(2)}]`;
}
