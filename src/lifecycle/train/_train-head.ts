// Trains one head: grouped CV over the L2 grid (or the same-camera proxy), calibration, exits.
import type { Logger } from 'pino';
import { RoadworkError } from '../../core/errors/index.js';
import { writeFileAtomic } from '../../core/files/index.js';
import type { Head } from '../../inference/heads/index.js';
import type { SweepRow } from './_calibrate.js';
import type { ViewRow } from './_dataset.js';
import { ensembleOf, type EnsembleResult } from './_ensemble.js';
import { finalHead } from './_final-head.js';
import { fitsSideBySide, type EvalReport, type FitRunner, type TrainConfig } from './_pipeline.js';
import {
  groupedAt,
  protocolDraws,
  proxyAt,
  firstDraw,
  predictionsOf,
  type Draw,
  type GroupedRun,
  type DrawPredictions,
  type ProxyRun,
  type ViewSet,
} from './_protocols.js';
import { requireProxyKind, type ProxyReport, type SelectBy } from './_proxy.js';
import { drawsAt, drawsByViews, type RepeatReport, type RepeatedSlice } from './_repeats.js';

/** Options of `trainHead`. */
export interface TrainHeadOptions extends Omit<TrainConfig, 'l2'> {
  /** L2 strengths tried; the best cross-validated balanced MCC wins. */
  readonly l2: readonly number[];
  readonly log: (line: string) => void;
  readonly logger?: Logger;
  /** Groups the caller split by image (recorded in the head's metrics). */
  readonly splitGroups?: readonly string[];
  /**
   * Also run the same-camera proxy (`_proxy.ts`) on these rows: the same rows in the same order
   * with their manifest groups (not split by `splitGroups`), and their training-only views.
   */
  readonly proxy?: { readonly rows: readonly ViewRow[]; readonly extraViews?: readonly ViewRow[] };
  /**
   * Which protocol's MCC chooses the L2: `cv` (default, the grouped CV of `rows`), `family` (the
   * same-camera proxy's headline; needs `proxy`) or `balanced` (the headline kind's families-balanced
   * row: each family of its negatives weighing the same). The other protocol is run once, at the
   * chosen L2.
   */
  readonly selectBy?: SelectBy;
  /**
   * Run each cross-validation over this many draws of its folds (default 1; seeds from
   * `drawSeeds`): the L2 is chosen by the mean MCC over the draws, the tables and the final head's
   * calibration stay those of the first draw (the run's own seed), and `TrainResult.repeats`
   * holds every protocol's spread.
   */
  readonly repeats?: number;
  /**
   * More draws of the views (`--view-seeds`): the same images under other seeds, each with its
   * training-only views, synthetic scenes and proxy rows. Both protocols also run `repeats` draws of
   * their folds on each, and the L2 is chosen by the mean over every draw; the tables, calibration
   * and the final head stay those of the run's own views.
   */
  readonly otherViews?: readonly ViewSet[];
  /** Where the cross-validations' heads are fitted (default: in this thread; `openFitPool`). */
  readonly fits?: FitRunner;
  /**
   * With `otherViews`: also ship a head per other seed of the views (`TrainResult.ensemble`), each
   * the head a run at that `--seed` would ship at the chosen L2, and score their mean.
   */
  readonly ensemble?: boolean;
}

/** What `trainHead` produced. */
export interface TrainResult {
  readonly head: Head;
  readonly report: EvalReport;
  readonly l2: number;
  readonly exits?: SweepRow;
  /** The same-camera proxy at the chosen L2, when `options.proxy` was given. */
  readonly proxy?: ProxyReport;
  /**
   * With more than one draw (`options.repeats` > 1 or `options.otherViews`): each protocol's scores
   * over the draws, at the chosen L2.
   */
  readonly repeats?: RepeatReport;
  /** With `options.ensemble`: a head per seed of the views and their mean's scores. */
  readonly ensemble?: EnsembleResult;
  /**
   * Every scored row's out-of-fold probability under each protocol at the chosen L2, one per draw of
   * the folds on the run's own views (`options.repeats`; the first is the tables' draw).
   */
  readonly predictions: DrawPredictions;
}

function noL2(): RoadworkError {
  return new RoadworkError(
    'ERR_CONFIG_INVALID',
    'No L2 value given: the grid is empty; give one or more, e.g. --l2 0.1,1,10.',
  );
}

/**
 * Grouped CV over the L2 grid, cross-fitted calibration for honest metrics, then the final head on
 * every row with temperature, shift and exits from all out-of-fold logits. Synthetic rows
 * (`options.synthetic`) join every fit; everything scored, calibrated or swept is real rows only.
 * Fails with ERR_DATASET_INVALID on rows of one label; warns (through `log`) when there are fewer
 * groups than folds or the temperature ends at its bound.
 */
export async function trainHead(
  rows: readonly ViewRow[],
  embedderVersion: string,
  options: TrainHeadOptions,
): Promise<TrainResult> {
  const positives = rows.filter((r) => r.label === 1).length;
  if (positives === 0 || positives === rows.length) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `Training needs rows of both labels: ${positives} of ${rows.length} are roadwork. Add images of the other label.`,
    );
  }
  const groups = new Set(rows.map((r) => r.group)).size;
  if (groups < options.folds) {
    options.log(
      `warning: ${options.folds} folds but only ${groups} group${groups === 1 ? '' : 's'}: ${options.folds - groups} fold${options.folds - groups === 1 ? ' is' : 's are'} empty and each held-out fold is a whole group; give groups in manifest.csv, --split-group, or fewer --folds`,
    );
  }
  const by = options.selectBy ?? 'cv';
  if (by !== 'cv') requireProxyKind(options.proxy?.rows, by);
  const {
    fits,
    log,
    logger: _logger,
    proxy: proxySet,
    otherViews = [],
    ensemble: _ensemble,
    ...protocolConfig
  } = options;
  if (options.ensemble && otherViews.length === 0)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      'An ensemble needs more than one seed of the views: give --view-seeds with --ensemble',
    );
  const own: ViewSet = {
    seed: options.seed,
    rows,
    ...(options.extraViews ? { extraViews: options.extraViews } : {}),
    ...(options.synthetic ? { synthetic: options.synthetic.rows } : {}),
    ...(proxySet ? { proxy: proxySet } : {}),
  };
  for (const set of otherViews) sameImages(own, set);
  const draws = protocolDraws([own, ...otherViews], options.repeats ?? 1);
  const grouped = (l2: number) => groupedAt(draws.grouped, { ...protocolConfig, l2 }, log, fits);
  const proxied = (l2: number) => proxyAt(draws.proxy!, { ...protocolConfig, l2 }, log, fits);
  let best: GroupedRun | undefined;
  let proxyRun: ProxyRun | undefined;
  if (by !== 'cv') {
    const tried: ProxyChoice[] = [];
    for (const l2 of options.l2) {
      const run = await proxied(l2);
      tried.push({ l2, mcc: run.mcc, ...(run.balanced === undefined ? {} : { balanced: run.balanced }) });
      if (proxyRun === undefined || choiceScore(run, by) > choiceScore(proxyRun, by)) proxyRun = run;
    }
    if (proxyRun === undefined) throw noL2();
    logOtherChoice(tried, proxyRun.l2, by, log);
    best = await grouped(proxyRun.l2);
  } else if (proxySet && options.l2.length === 1 && fitsSideBySide(fits)) {
    // One L2 and workers to spare: the proxy needs nothing from the grouped CV, so the two share the
    // workers instead of the proxy waiting for the grouped CV's last folds (the same numbers).
    [best, proxyRun] = await Promise.all([grouped(options.l2[0]!), proxied(options.l2[0]!)]);
  } else {
    for (const l2 of options.l2) {
      const run = await grouped(l2);
      if (best === undefined || run.mcc > best.mcc) best = run;
    }
    if (best === undefined) throw noL2();
    if (proxySet) proxyRun = await proxied(best.l2);
  }
  const proxy = proxyRun?.report;
  const repeats = draws.grouped.length > 1 ? repeatReport(draws.grouped, best, proxyRun) : undefined;
  const config: TrainConfig = { ...protocolConfig, l2: best.l2 };
  const context = {
    embedder: embedderVersion,
    ...(options.splitGroups ? { splitGroups: options.splitGroups } : {}),
    selectedBy: by,
    log,
  };
  const { head, report, exits } = await finalHead(own, firstDraw(best, 0), config, {
    ...context,
    ...(proxy ? { proxy } : {}),
    ...(repeats ? { repeats: repeatsSummary(repeats) } : {}),
  });
  const ensemble = options.ensemble
    ? await ensembleOf(
        [own, ...otherViews],
        { best, head, synthetic: report.synthetic },
        proxyRun,
        config,
        context,
      )
    : undefined;
  return {
    head,
    report,
    l2: best.l2,
    ...(exits ? { exits } : {}),
    ...(proxy ? { proxy } : {}),
    ...(repeats ? { repeats } : {}),
    ...(ensemble ? { ensemble } : {}),
    predictions: predictionsOf(own, 0, best, proxyRun),
  };
}

/** One L2's proxy numbers, as `--select-by family` and `balanced` read them. */
type ProxyChoice = Pick<ProxyRun, 'l2' | 'mcc' | 'balanced'>;

function choiceScore(run: ProxyChoice, by: Exclude<SelectBy, 'cv'>): number {
  return by === 'balanced' ? run.balanced! : run.mcc;
}

/** Logs the L2 the other proxy number would have chosen, when it differs: the two disagree on this grid. */
function logOtherChoice(
  tried: readonly ProxyChoice[],
  chosen: number,
  by: Exclude<SelectBy, 'cv'>,
  log: (line: string) => void,
): void {
  const other = by === 'family' ? 'balanced' : 'family';
  if (tried.some((t) => t.balanced === undefined)) return;
  const alt = tried.reduce((a, t) => (choiceScore(t, other) > choiceScore(a, other) ? t : a));
  if (alt.l2 === chosen) return;
  const text = (t: ProxyChoice) =>
    `l2=${t.l2}: headline ${t.mcc.toFixed(3)}, families balanced ${t.balanced!.toFixed(3)}`;
  log(
    `note: --select-by ${by} chose l2=${chosen}; --select-by ${other} would choose l2=${alt.l2} (${text(tried.find((t) => t.l2 === chosen)!)}; ${text(alt)})`,
  );
}

/**
 * Fails unless `set` holds the images of `own` in the same order, and proxy rows exactly when `own`
 * does: the draws of the views share the proxy's slices and are compared draw by draw.
 */
function sameImages(own: ViewSet, set: ViewSet): void {
  if ((own.proxy === undefined) !== (set.proxy === undefined))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      own.proxy
        ? `The views of seed ${set.seed} have no proxy rows, but the run scores the same-camera proxy: give every draw of the views its proxy rows`
        : `The views of seed ${set.seed} have proxy rows, but the run does not score the same-camera proxy (no options.proxy)`,
    );
  const differ = (a: readonly ViewRow[], b: readonly ViewRow[]) =>
    a.length !== b.length || a.some((r, i) => r.image !== b[i]!.image);
  if (differ(own.rows, set.rows) || differ(own.proxy?.rows ?? [], set.proxy?.rows ?? []))
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `The views of seed ${set.seed} hold other images than those of seed ${own.seed}: every draw of the views must render the same images in the same order`,
    );
}

/** The protocols' spreads over every draw at the chosen L2, and on each set of views when there are several. */
function repeatReport(
  draws: readonly Draw[],
  best: GroupedRun,
  proxyRun: ProxyRun | undefined,
): RepeatReport {
  const views = draws.map((d) => d.views);
  const sets = drawsByViews(views);
  const headline = proxyRun?.headline === undefined ? undefined : proxyRun.spreads[proxyRun.headline];
  return {
    seeds: draws.map((d) => d.seed),
    cv: best.spread,
    ...(proxyRun ? { proxy: proxyRun.spreads } : {}),
    ...(proxyRun?.headline ? { proxyHeadline: proxyRun.headline } : {}),
    ...(sets.length > 1
      ? {
          views,
          byViews: sets.map(([seed, idx]) => ({
            seed,
            cv: drawsAt(best.spread, idx),
            ...(headline ? { proxyHeadline: drawsAt(headline, idx) } : {}),
          })),
        }
      : {}),
  };
}

/** The repeated scores as the head's metrics record them: the seeds, the grouped CV and the proxy's headline. */
function repeatsSummary(r: RepeatReport): Record<string, unknown> {
  const pick = (s: RepeatedSlice) => ({ mcc: s.mcc, auc: s.auc });
  const headline = r.proxyHeadline === undefined ? undefined : r.proxy?.[r.proxyHeadline];
  return {
    seeds: r.seeds,
    ...(r.views ? { views: r.views } : {}),
    cv: pick(r.cv),
    ...(headline ? { proxy_headline: pick(headline) } : {}),
  };
}

/**
 * Writes a head file (pretty enough to diff, numbers rounded to float32 precision), through a
 * temporary file and a rename: a crash never leaves a torn head where a good one was.
 */
export async function writeHead(file: string, head: Head): Promise<void> {
  const round = (_k: string, v: unknown) =>
    typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(7)) : v;
  await writeFileAtomic(file, `${JSON.stringify(head, round)}\n`);
}
