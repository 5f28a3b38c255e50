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

/** The draws on one set of views (`--view-seeds`): their grouped CV and proxy headline. */
export interface ViewsSpread {
  /** The seed of the views. */
  readonly seed: string;
  readonly cv: RepeatedSlice;
  readonly proxyHeadline?: RepeatedSlice;
}

/** `s` over the draws at `idx` only (every draw holds a value, as the grouped CV and the proxy headline do). */
export function drawsAt(s: RepeatedSlice, idx: readonly number[]): RepeatedSlice {
  const pick = (v: Spread) => spread(idx.map((i) => v.values[i]!));
  return { mcc: pick(s.mcc), auc: pick(s.auc) };
}

/** The indices of the draws on each set of views, in the order the sets first come. */
export function drawsByViews(views: readonly string[]): [string, number[]][] {
  const at = new Map<string, number[]>();
  views.forEach((v, i) => at.set(v, [...(at.get(v) ?? []), i]));
  return [...at];
}

/** What repeated cross-validation measured at the chosen L2. */
export interface RepeatReport {
  /** The draws' seeds of the folds, the first being the run's own. */
  readonly seeds: readonly string[];
  /**
   * With `--view-seeds`: the seed of each draw's views (same length as `seeds`), and the draws'
   * spread on each set of views.
   */
  readonly views?: readonly string[];
  readonly byViews?: readonly ViewsSpread[];
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

/** One score of two runs compared draw by draw (`b − a`), over the same draws of the folds. */
export interface PairedDifference {
  /** `grouped CV MCC`, `proxy headline AUC`, …. */
  readonly name: string;
  readonly difference: Spread;
  /** Draws where b scored above a, and below. */
  readonly higher: number;
  readonly lower: number;
  /** With draws on several sets of views: the same, on each set (`views` is its seed). */
  readonly byViews?: readonly {
    readonly views: string;
    readonly mean: number;
    readonly higher: number;
    readonly lower: number;
  }[];
}

/** Two runs' repeated scores compared draw by draw, or why they cannot be. */
export type PairedRepeats =
  { readonly draws: number; readonly paired: readonly PairedDifference[] } | { readonly unpaired: string };

/** The draws' values of `metrics.repeats[protocol][score]`, when the record holds them. */
function valuesAt(metrics: unknown, protocol: string, score: string): number[] | undefined {
  const at = (o: unknown, k: string): unknown =>
    o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined;
  const v = at(at(at(at(metrics, 'repeats'), protocol), score), 'values');
  return Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null)
    ? v.map((x) => (typeof x === 'number' ? x : Number.NaN))
    : undefined;
}

function stringsAt(metrics: unknown, key: 'seeds' | 'views'): string[] | undefined {
  const v = (metrics as { repeats?: Record<string, unknown> } | undefined)?.repeats?.[key];
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;
}

const same = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((s, i) => s === b[i]);

/** `d`'s count of draws above and below 0, and its mean on each set of views when there are several. */
function pairedDifference(name: string, d: readonly number[], views: readonly string[]): PairedDifference {
  const count = (idx: readonly number[]) => ({
    higher: idx.filter((i) => d[i]! > 0).length,
    lower: idx.filter((i) => d[i]! < 0).length,
  });
  const sets = drawsByViews(views);
  return {
    name,
    difference: spread(d),
    ...count(d.map((_, i) => i)),
    ...(sets.length > 1
      ? {
          byViews: sets.map(([v, idx]) => ({
            views: v,
            mean: spread(idx.map((i) => d[i]!)).mean,
            ...count(idx),
          })),
        }
      : {}),
  };
}

const PAIRED_SCORES = [
  ['cv', 'grouped CV'],
  ['proxy_headline', 'proxy headline'],
] as const;

/**
 * Compares two heads' (or bundles') `metrics.repeats` draw by draw: with the same seeds on the same
 * data both runs held out the same folds in each draw, so the fold noise they share cancels in the
 * difference; with draws on several sets of views (`--view-seeds`), each set is compared too, since
 * a set of views can turn a verdict on its own. Undefined when neither ran with `--repeats` or
 * `--view-seeds`; `unpaired` with the reason when their draws differ.
 */
export function pairRepeats(a: unknown, b: unknown): PairedRepeats | undefined {
  const [sa, sb] = [stringsAt(a, 'seeds'), stringsAt(b, 'seeds')];
  if (sa === undefined && sb === undefined) return undefined;
  if (sa === undefined || sb === undefined)
    return { unpaired: `only ${sa === undefined ? 'b' : 'a'} was trained with --repeats or --view-seeds` };
  if (!same(sa, sb))
    return { unpaired: `their draws differ (seeds ${sa.join(',')} against ${sb.join(',')})` };
  // Without --view-seeds every draw is on the run's own views, those of its first seed.
  const [views, viewsB] = [
    stringsAt(a, 'views') ?? sa.map(() => sa[0]!),
    stringsAt(b, 'views') ?? sb.map(() => sb[0]!),
  ];
  if (!same(views, viewsB))
    return {
      unpaired: `their draws' views differ (${[...new Set(views)].join(',')} against ${[...new Set(viewsB)].join(',')})`,
    };
  const paired = PAIRED_SCORES.flatMap(([protocol, name]) =>
    (['mcc', 'auc'] as const).flatMap((score) => {
      const [va, vb] = [valuesAt(a, protocol, score), valuesAt(b, protocol, score)];
      if (va === undefined || vb === undefined || va.length !== vb.length) return [];
      return [
        pairedDifference(
          `${name} ${score.toUpperCase()}`,
          va.map((x, i) => vb[i]! - x),
          views,
        ),
      ];
    }),
  );
  return { draws: sa.length, paired };
}
