// The two held-out protocols at one L2, each over its draws of the folds (`drawSeeds`): the
// grouped CV of every view and the same-camera proxy. `trainHead` runs them over the L2 grid.
import type { ViewRow } from './_dataset.js';
import { scores } from './_metrics.js';
import { crossCalibrate, crossValidate, type FitRunner, type TrainConfig } from './_pipeline.js';
import { proxyCrossValidate, proxyReport, proxyScores, type ProxyReport } from './_proxy.js';
import { repeatedSlice, repeatedSlices, spreadText, type RepeatedSlice } from './_repeats.js';

/** The grouped CV at one L2: the first draw whole, every draw's scores summarised. */
export interface GroupedRun {
  readonly l2: number;
  /** Mean MCC over the draws: what chooses the L2. */
  readonly mcc: number;
  readonly spread: RepeatedSlice;
  /** The first draw's out-of-fold logits, folds and cross-calibrated probabilities. */
  readonly z: Float64Array;
  readonly fold: Int32Array;
  readonly p: Float64Array;
}

/** The proxy at one L2: the first draw's full report, every draw's slices summarised. */
export interface ProxyRun {
  readonly l2: number;
  /** Mean headline MCC over the draws (−∞ when nothing is scored): what chooses the L2. */
  readonly mcc: number;
  readonly report: ProxyReport;
  readonly spreads: Record<string, RepeatedSlice>;
  /** The headline's name in `spreads`, when a kind holds both labels. */
  readonly headline?: string;
}

const took = (t0: number) => `(${((Date.now() - t0) / 1000).toFixed(1)} s)`;
const over = (seeds: readonly string[]) =>
  seeds.length > 1 ? ` over ${seeds.length} draws of the folds` : '';

/** With several draws, one progress line per draw (a draw of the starter's proxy takes minutes). */
function drawLine(log: (line: string) => void, seeds: readonly string[], k: number, text: string): void {
  if (seeds.length > 1) log(`  draw ${k + 1}/${seeds.length} (seed ${seeds[k]}): ${text}`);
}

/**
 * Runs every draw: side by side on a pool (its folds queue together), one after another in this
 * thread, so each draw's progress line comes when it ends rather than all at the end.
 */
async function eachDraw<T>(
  seeds: readonly string[],
  fits: FitRunner | undefined,
  run: (seed: string, k: number) => Promise<T>,
): Promise<T[]> {
  if ((fits?.size ?? 1) > 1) return Promise.all(seeds.map(run));
  const out: T[] = [];
  for (const [k, seed] of seeds.entries()) out.push(await run(seed, k));
  return out;
}

/** Grouped CV of `rows` at `config.l2`, once per seed in `seeds` (the first is `config.seed`). */
export async function groupedAt(
  rows: readonly ViewRow[],
  config: TrainConfig,
  seeds: readonly string[],
  log: (line: string) => void,
  fits?: FitRunner,
): Promise<GroupedRun> {
  const t0 = Date.now();
  const y = Uint8Array.from(rows, (r) => r.label);
  const draws = await eachDraw(seeds, fits, async (seed, k) => {
    const { logits: z, fold } = await crossValidate(rows, { ...config, seed }, fits ? { fits } : {});
    const p = crossCalibrate(z, y, fold, config.folds);
    const s = scores(p, y);
    drawLine(log, seeds, k, `grouped CV MCC ${s.mcc.toFixed(3)}, AUC ${s.auc.toFixed(3)}`);
    return { z, fold, p, scores: s };
  });
  const spread = repeatedSlice(draws.map((d) => d.scores));
  const { z, fold, p, scores: first } = draws[0]!;
  const head = `${config.model} l2=${config.l2}: grouped ${config.folds}-fold CV`;
  log(
    seeds.length > 1
      ? `${head}${over(seeds)}: MCC ${spreadText(spread.mcc)}, AUC ${spreadText(spread.auc)} ${took(t0)}`
      : `${head} MCC ${first.mcc.toFixed(3)}, accuracy ${first.accuracy.toFixed(3)}, AUC ${first.auc.toFixed(3)} ${took(t0)}`,
  );
  return { l2: config.l2, mcc: spread.mcc.mean, spread, z, fold, p };
}

/**
 * The same-camera proxy of `proxy.rows` at `config.l2`, once per seed in `seeds`, with
 * `proxy.extraViews` as its training-only views.
 */
export async function proxyAt(
  proxy: { readonly rows: readonly ViewRow[]; readonly extraViews?: readonly ViewRow[] },
  config: TrainConfig,
  seeds: readonly string[],
  log: (line: string) => void,
  fits?: FitRunner,
): Promise<ProxyRun> {
  const t0 = Date.now();
  const draws = await eachDraw(seeds, fits, async (seed, k) => {
    const { p } = await proxyCrossValidate(
      proxy.rows,
      { ...config, seed, ...(proxy.extraViews?.length ? { extraViews: proxy.extraViews } : {}) },
      fits,
    );
    const scored = proxyScores(p, proxy.rows);
    const h = scored.headline === undefined ? undefined : scored.scores[scored.headline];
    drawLine(
      log,
      seeds,
      k,
      `same-camera proxy ${h ? `MCC ${h.mcc.toFixed(3)}, AUC ${h.auc.toFixed(3)}` : 'not scored'}`,
    );
    return { p, ...scored };
  });
  const report = proxyReport(draws[0]!.p, proxy.rows, {
    seed: config.seed,
    l2: config.l2,
    folds: config.folds,
  });
  const spreads = repeatedSlices(draws.map((d) => d.scores));
  const name = draws[0]!.headline;
  const h = name === undefined ? undefined : spreads[name];
  const kind = report.headline?.kind;
  const scored =
    h === undefined
      ? 'not scored (no camera kind holds both labels)'
      : seeds.length > 1
        ? `${over(seeds)} MCC ${spreadText(h.mcc)}, AUC ${spreadText(h.auc)} (${kind})`
        : ` MCC ${report.headline!.mcc.value.toFixed(3)}, AUC ${report.headline!.auc?.value.toFixed(3) ?? '–'} (${kind})`;
  log(`${config.model} l2=${config.l2}: same-camera proxy${h === undefined ? ' ' : ''}${scored} ${took(t0)}`);
  return {
    l2: config.l2,
    mcc: h?.mcc.mean ?? Number.NEGATIVE_INFINITY,
    report,
    spreads,
    ...(h === undefined ? {} : { headline: name }),
  };
}
