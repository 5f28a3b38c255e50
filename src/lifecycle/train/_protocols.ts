// The two held-out protocols at one L2, each over its draws: the grouped CV of every view and the
// same-camera proxy. A draw is one set of views (the run's own, or another seed's with
// `--view-seeds`) and one seed of the folds (`drawSeeds`). `trainHead` runs them over the L2 grid.
import type { ViewRow } from './_dataset.js';
import { scores } from './_metrics.js';
import {
  crossCalibrate,
  crossValidate,
  type CrossValidateOptions,
  fitsSideBySide,
  type FitRunner,
  type TrainConfig,
} from './_pipeline.js';
import {
  balancedName,
  proxyCrossValidate,
  proxyReport,
  proxyScores,
  proxySlices,
  type ProxyReport,
} from './_proxy.js';
import {
  drawSeeds,
  drawsByViews,
  repeatedSlice,
  repeatedSlices,
  spreadText,
  type RepeatedSlice,
} from './_repeats.js';

/** The rows one draw fits and scores. */
export interface DrawRows {
  readonly rows: readonly ViewRow[];
  /** Training-only views of the same images, under the same seed. */
  readonly extraViews?: readonly ViewRow[];
  /** Synthetic scenes of the same seed (their weight is the config's). */
  readonly synthetic?: readonly ViewRow[];
}

/**
 * One draw of the views: the same images under one `--seed` (views, training-only views and
 * synthetic scenes), as the grouped CV sees them (`rows`, split as `--split-group` says) and as the
 * proxy does (`proxy`, manifest groups).
 */
export interface ViewSet extends DrawRows {
  /** The seed that drew these views; its folds' seeds are `drawSeeds(seed, repeats)`. */
  readonly seed: string;
  readonly proxy?: Omit<DrawRows, 'synthetic'>;
}

/** One draw of a protocol: a seed of the folds on one set of views. */
export interface Draw extends DrawRows {
  /** The folds' seed (it also starts an MLP and splits its early stopping). */
  readonly seed: string;
  /** The seed of the views it runs on. */
  readonly views: string;
}

/**
 * Every draw of both protocols: each set of views crossed with `repeats` seeds of the folds, set by
 * set, so the first draw is the run itself and the draws of one set of views are the same as a run
 * at its `--seed` with `--repeats` would make.
 */
export function protocolDraws(
  sets: readonly ViewSet[],
  repeats: number,
): { grouped: Draw[]; proxy?: Draw[] } {
  const draws = (part: (s: ViewSet) => DrawRows) =>
    sets.flatMap((set) =>
      drawSeeds(set.seed, repeats).map((seed) => ({ ...part(set), seed, views: set.seed })),
    );
  const grouped = draws(({ rows, extraViews, synthetic }) => ({
    rows,
    ...(extraViews ? { extraViews } : {}),
    ...(synthetic ? { synthetic } : {}),
  }));
  if (sets.some((s) => s.proxy === undefined)) return { grouped };
  return {
    grouped,
    proxy: draws((s) => ({ ...s.proxy!, ...(s.synthetic ? { synthetic: s.synthetic } : {}) })),
  };
}

/** `config` for one draw: its seed, training-only views and synthetic rows. */
export function drawConfig(config: TrainConfig, draw: Draw): TrainConfig {
  const { extraViews: _e, synthetic, ...rest } = config;
  return {
    ...rest,
    seed: draw.seed,
    ...(draw.extraViews?.length ? { extraViews: draw.extraViews } : {}),
    ...(draw.synthetic?.length
      ? { synthetic: { rows: draw.synthetic, weight: synthetic?.weight ?? 1 } }
      : {}),
  };
}

/** The grouped CV at one L2: the first draw whole, every draw's scores summarised. */
export interface GroupedRun {
  readonly l2: number;
  /** Mean MCC over the draws: what chooses the L2. */
  readonly mcc: number;
  readonly spread: RepeatedSlice;
  /**
   * Every draw's out-of-fold logits, folds and cross-calibrated probabilities on each set of views,
   * in draw order, the sets in the order they first come: the first set is the run's own seed, and
   * its first draw is the one whose tables and head the run reports (`firstDraw`).
   */
  readonly bySet: DrawsBySet<OutOfFoldLogits>;
}

/** Each set of views' draws (at least one), the run's own set first. */
export type DrawsBySet<T> = readonly [NonEmpty<T>, ...NonEmpty<T>[]];
type NonEmpty<T> = readonly [T, ...T[]];

/** The first draw on the `k`th set of views (the run's own at 0): the one its head is fitted from. */
export function firstDraw<T>(run: { readonly bySet: DrawsBySet<T> }, k: number): T {
  const set = run.bySet[k];
  if (set === undefined) throw new RangeError(`no set of views ${k} (of ${run.bySet.length})`);
  return set[0];
}

/** The first draw on every set of views, in order. */
export function firstDraws<T>(run: { readonly bySet: DrawsBySet<T> }): T[] {
  return run.bySet.map((set) => set[0]);
}

/** One draw's cross-calibrated out-of-fold probabilities and folds, and the seed of its views. */
export interface OutOfFoldDraw {
  readonly views: string;
  readonly p: Float64Array;
  readonly fold: Int32Array;
}

/** An out-of-fold draw with its raw logits, which calibrate a head. */
export interface OutOfFoldLogits extends OutOfFoldDraw {
  readonly z: Float64Array;
}

/** The runs on each set of views, in draw order, the sets in the order they first come (the run's own first). */
function runsByViews<T>(draws: readonly Draw[], runs: readonly T[]): DrawsBySet<T & { views: string }> {
  const [own, ...others] = drawsByViews(draws.map((d) => d.views)).map(([views, at]) => {
    const [first, ...later] = at.map((i) => ({ ...runs[i]!, views }));
    return [first!, ...later] as const;
  });
  return [own!, ...others];
}

/** The proxy at one L2: the first draw's full report, every draw's slices summarised. */
export interface ProxyRun {
  readonly l2: number;
  /** Mean headline MCC over the draws (−∞ when nothing is scored): what chooses the L2. */
  readonly mcc: number;
  /**
   * Mean over the draws of the headline kind's families-balanced MCC (its `roadwork vs` pairs'
   * mean), when the kind holds two or more families of negatives: what `--select-by balanced` reads.
   */
  readonly balanced?: number;
  readonly report: ProxyReport;
  readonly spreads: Record<string, RepeatedSlice>;
  /** The headline's name in `spreads`, when a kind holds both labels. */
  readonly headline?: string;
  /**
   * Every draw's cross-calibrated out-of-fold probabilities and folds, by proxy row, on each set of
   * views, in draw order, the sets in the grouped run's order (the own set's first draw is `report`'s).
   */
  readonly bySet: DrawsBySet<OutOfFoldDraw>;
}

/** Rows and their cross-calibrated out-of-fold probabilities and folds, index for index. */
export interface OutOfFold {
  readonly rows: readonly ViewRow[];
  readonly p: Float64Array;
  readonly fold: Int32Array;
}

/** Every scored row's out-of-fold probability on one set of views, under each protocol. */
export interface Predictions {
  readonly cv: OutOfFold;
  readonly proxy?: OutOfFold;
}

/** One set of views' predictions, one per draw of the folds (`--repeats`), the first draw first. */
export type DrawPredictions = readonly [Predictions, ...Predictions[]];

/**
 * The predictions of the `k`th set of views (`sets[k]`, the run's own at 0), one per draw of its
 * folds in draw order (the first is the draw its tables and head come from): the out-of-fold
 * probabilities at the chosen L2, under the grouped CV and, when it ran, the proxy.
 */
export function predictionsOf(
  set: ViewSet,
  k: number,
  grouped: GroupedRun,
  proxy: ProxyRun | undefined,
): DrawPredictions {
  const [first, ...later] = grouped.bySet[k]!.map((cv, j): Predictions => {
    const held = proxy?.bySet[k]?.[j];
    return {
      cv: { rows: set.rows, p: cv.p, fold: cv.fold },
      ...(held && set.proxy ? { proxy: { rows: set.proxy.rows, p: held.p, fold: held.fold } } : {}),
    };
  });
  return [first!, ...later];
}

const took = (t0: number) => `(${((Date.now() - t0) / 1000).toFixed(1)} s)`;

/**
 * ` over 8 draws of the folds`, ` over 8 draws (views of seeds a, b; 4 draws of the folds each)`, from
 * the seed of each draw's views; empty for one draw.
 */
export function drawsText(views: readonly string[]): string {
  if (views.length < 2) return '';
  const sets = [...new Set(views)];
  if (sets.length === 1) return ` over ${views.length} draws of the folds`;
  const each = views.length / sets.length;
  return ` over ${views.length} draws (views of seeds ${sets.join(', ')}; ${each} draw${each === 1 ? '' : 's'} of the folds each)`;
}

/**
 * The cross-validation's options: its fit runner, and a progress line per fitted fold for heads whose
 * fits take minutes (conv heads fine-tune on every cell); none for the others, whose folds fit in
 * about a second.
 */
function foldOptions(
  fits: FitRunner | undefined,
  log: (line: string) => void,
  config: TrainConfig,
  what: string,
): CrossValidateOptions {
  const t0 = Date.now();
  return {
    ...(fits ? { fits } : {}),
    ...(config.model === 'conv'
      ? { onFitted: (done: number, of: number) => log(`  ${what}: fold ${done}/${of} fitted ${took(t0)}`) }
      : {}),
  };
}

/** With several draws, one progress line per draw (a draw of the starter's proxy takes minutes). */
function drawLine(log: (line: string) => void, draws: readonly Draw[], k: number, text: string): void {
  if (draws.length < 2) return;
  const d = draws[k]!;
  const views = draws.some((o) => o.views !== d.views)
    ? `views ${d.views}, folds ${d.seed}`
    : `seed ${d.seed}`;
  log(`  draw ${k + 1}/${draws.length} (${views}): ${text}`);
}

/**
 * Runs every draw: side by side on a pool (its folds queue together), one after another in this
 * thread, so each draw's progress line comes when it ends rather than all at the end.
 */
async function eachDraw<T>(
  draws: readonly Draw[],
  fits: FitRunner | undefined,
  run: (draw: Draw, k: number) => Promise<T>,
): Promise<T[]> {
  if (fitsSideBySide(fits)) return Promise.all(draws.map(run));
  const out: T[] = [];
  for (const [k, draw] of draws.entries()) out.push(await run(draw, k));
  return out;
}

/** Grouped CV at `config.l2`, once per draw (the first is the run's own rows and seed). */
export async function groupedAt(
  draws: readonly Draw[],
  config: TrainConfig,
  log: (line: string) => void,
  fits?: FitRunner,
): Promise<GroupedRun> {
  const t0 = Date.now();
  const runs = await eachDraw(draws, fits, async (draw, k) => {
    const y = Uint8Array.from(draw.rows, (r) => r.label);
    const { logits: z, fold } = await crossValidate(
      draw.rows,
      drawConfig(config, draw),
      foldOptions(fits, log, config, `l2=${config.l2} grouped CV`),
    );
    const p = crossCalibrate(z, y, fold, config.folds);
    const s = scores(p, y);
    drawLine(log, draws, k, `grouped CV MCC ${s.mcc.toFixed(3)}, AUC ${s.auc.toFixed(3)}`);
    return { z, fold, p, scores: s };
  });
  const spread = repeatedSlice(runs.map((d) => d.scores));
  const first = runs[0]!.scores;
  const head = `${config.model} l2=${config.l2}: grouped ${config.folds}-fold CV`;
  log(
    draws.length > 1
      ? `${head}${drawsText(draws.map((d) => d.views))}: MCC ${spreadText(spread.mcc)}, AUC ${spreadText(spread.auc)} ${took(t0)}`
      : `${head} MCC ${first.mcc.toFixed(3)}, accuracy ${first.accuracy.toFixed(3)}, AUC ${first.auc.toFixed(3)} ${took(t0)}`,
  );
  const bySet = runsByViews(
    draws,
    runs.map((r) => ({ z: r.z, fold: r.fold, p: r.p })),
  );
  return { l2: config.l2, mcc: spread.mcc.mean, spread, bySet };
}

/**
 * The same-camera proxy at `config.l2`, once per draw of its rows (manifest groups, with their
 * training-only views); the first draw's gives the full report.
 */
export async function proxyAt(
  draws: readonly Draw[],
  config: TrainConfig,
  log: (line: string) => void,
  fits?: FitRunner,
): Promise<ProxyRun> {
  const t0 = Date.now();
  // Every draw holds the same images in the same order, so they share one set of slices.
  const slices = proxySlices(draws[0]!.rows);
  const runs = await eachDraw(draws, fits, async (draw, k) => {
    const { p, fold } = await proxyCrossValidate(
      draw.rows,
      drawConfig(config, draw),
      foldOptions(fits, log, config, `l2=${config.l2} same-camera proxy`),
    );
    const scored = proxyScores(p, draw.rows, slices);
    const h = scored.headline === undefined ? undefined : scored.scores[scored.headline];
    drawLine(
      log,
      draws,
      k,
      `same-camera proxy ${h ? `MCC ${h.mcc.toFixed(3)}, AUC ${h.auc.toFixed(3)}` : 'not scored'}`,
    );
    return { p, fold, ...scored };
  });
  const report = proxyReport(
    runs[0]!.p,
    draws[0]!.rows,
    { seed: config.seed, l2: config.l2, folds: config.folds },
    slices,
  );
  const spreads = repeatedSlices(runs.map((d) => d.scores));
  const bySet = runsByViews(
    draws,
    runs.map((r) => ({ p: r.p, fold: r.fold })),
  );
  const name = runs[0]!.headline;
  const h = name === undefined ? undefined : spreads[name];
  const kind = report.headline?.kind;
  const balanced = kind === undefined ? undefined : spreads[balancedName(kind)]?.mcc.mean;
  const scored =
    h === undefined
      ? 'not scored (no camera kind holds both labels)'
      : draws.length > 1
        ? `${drawsText(draws.map((d) => d.views))} MCC ${spreadText(h.mcc)}, AUC ${spreadText(h.auc)} (${kind})`
        : ` MCC ${report.headline!.mcc.value.toFixed(3)}, AUC ${report.headline!.auc?.value.toFixed(3) ?? '–'} (${kind})`;
  const even = balanced === undefined ? '' : `; families balanced MCC ${balanced.toFixed(3)}`;
  log(
    `${config.model} l2=${config.l2}: same-camera proxy${h === undefined ? ' ' : ''}${scored}${even} ${took(t0)}`,
  );
  return {
    l2: config.l2,
    mcc: h?.mcc.mean ?? Number.NEGATIVE_INFINITY,
    ...(balanced === undefined ? {} : { balanced }),
    report,
    spreads,
    ...(h === undefined ? {} : { headline: name }),
    bySet,
  };
}
