// One head per seed of the views (`--ensemble`), served as one `backbone-head` stage (`head: [a, b, …]`):
// each head is the run a `--seed` of its own would ship, and the stage answers the mean of their
// calibrated logits. The mean is scored here as the stage serves it.
import { logit, sigmoid, type Head } from '../../inference/heads/index.js';
import { chooseExits, thresholdSweep, type SweepRow } from './_calibrate.js';
import { exitsSummary, finalHead, sliceSummary, type FinalHeadContext } from './_final-head.js';
import { evaluate, type EvalReport, type SyntheticSummary, type TrainConfig } from './_pipeline.js';
import {
  firstDraw,
  firstDraws,
  predictionsOf,
  type GroupedRun,
  type DrawPredictions,
  type ProxyRun,
  type ViewSet,
} from './_protocols.js';
import { proxyReport, proxySlices, proxySummary, type ProxyReport } from './_proxy.js';

/** The heads of every seed of the views, and their mean scored as the stage serves it. */
export interface EnsembleResult {
  /** The seed of each head's views, the run's own first. */
  readonly seeds: readonly string[];
  /** One head per seed, in `seeds` order; the first is `TrainResult.head`. */
  readonly heads: readonly Head[];
  /** The mean of the heads' cross-calibrated out-of-fold logits, view by view: the grouped CV. */
  readonly report: EvalReport;
  /** The same mean under the same-camera proxy. */
  readonly proxy?: ProxyReport;
  /** Exits on the mean of the heads' calibrated held-out logits, which is what the stage answers. */
  readonly exits?: SweepRow;
  /** What a bundle of the ensemble records as its metrics (`bundleMetrics`' head metrics). */
  readonly metrics: Readonly<Record<string, unknown>>;
  /**
   * Each head's own out-of-fold probabilities, one per draw of the folds on its views, in `seeds`
   * order (`TrainResult.predictions` first).
   */
  readonly predictions: readonly DrawPredictions[];
}

/** The probability of the mean log-odds of several probabilities, index by index. */
export function meanOfLogits(ps: readonly ArrayLike<number>[]): Float64Array {
  const n = ps[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const p of ps) s += logit(p[i]!);
    out[i] = sigmoid(s / ps.length);
  }
  return out;
}

/**
 * The other seeds' heads (`finalHead` on each set's first draw, with its own proxy report), then
 * the ensemble's scores: the grouped CV and proxy of the mean of every head's out-of-fold
 * probabilities (each head's view k is its own draw of image k's view k, as `--view-seeds` renders
 * it), and exits on the mean of their calibrated logits.
 */
export async function ensembleOf(
  sets: readonly ViewSet[],
  own: { readonly best: GroupedRun; readonly head: Head; readonly synthetic?: SyntheticSummary },
  proxy: ProxyRun | undefined,
  config: TrainConfig,
  context: Omit<FinalHeadContext, 'proxy' | 'repeats'>,
): Promise<EnsembleResult> {
  const { best } = own;
  const meta = (seed: string) => ({ seed, l2: config.l2, folds: config.folds });
  const proxyRows = sets[0]!.proxy?.rows;
  const slices = proxyRows === undefined ? undefined : proxySlices(proxyRows);
  const heads: Head[] = [own.head];
  for (const [k, set] of sets.entries()) {
    if (k === 0) continue;
    context.log(`ensemble: the head on the views of seed ${set.seed}`);
    const theirs =
      proxy && set.proxy && slices
        ? proxyReport(firstDraw(proxy, k).p, set.proxy.rows, meta(set.seed), slices)
        : undefined;
    const { head } = await finalHead(set, firstDraw(best, k), config, {
      ...context,
      ...(theirs ? { proxy: theirs } : {}),
    });
    heads.push(head);
  }
  const rows = sets[0]!.rows;
  const seed = sets[0]!.seed;
  const report: EvalReport = {
    ...evaluate(meanOfLogits(firstDraws(best).map((f) => f.p)), rows, seed),
    ...(own.synthetic ? { synthetic: own.synthetic } : {}),
  };
  const proxied =
    proxy && proxyRows && slices
      ? proxyReport(meanOfLogits(firstDraws(proxy).map((f) => f.p)), proxyRows, meta(seed), slices)
      : undefined;
  // What the stage answers on each held-out view: the mean of the heads' calibrated logits.
  const zs = firstDraws(best);
  const served = Float64Array.from(rows, (_, i) => {
    let s = 0;
    for (const [k, h] of heads.entries()) s += zs[k]!.z[i]! / h.temperature + h.shift;
    return sigmoid(s / heads.length);
  });
  const y = Uint8Array.from(rows, (r) => r.label);
  const exits = chooseExits(thresholdSweep(served, y), config.targetAccuracy);
  const seeds = sets.map((s) => s.seed);
  // The run's own head's record, with the ensemble's scores in place of its own.
  const { proxy: _p, exits: _e, ...recorded } = (own.head.metrics ?? {}) as Record<string, unknown>;
  const metrics = {
    ...recorded,
    ensemble: {
      seeds,
      heads: heads.map((h) => {
        const m = h.metrics as { overall?: unknown; proxy?: { headline?: unknown } } | undefined;
        return {
          seed: (h.metrics as { seed?: string } | undefined)?.seed,
          overall: m?.overall,
          ...(m?.proxy?.headline ? { proxy_headline: m.proxy.headline } : {}),
        };
      }),
    },
    overall: sliceSummary(report.overall),
    levels: Object.fromEntries(Object.entries(report.levels).map(([k, s]) => [k, sliceSummary(s)])),
    families: Object.fromEntries(Object.entries(report.families).map(([k, s]) => [k, sliceSummary(s)])),
    ...(proxied ? { proxy: proxySummary(proxied) } : {}),
    ...(exits ? { exits: exitsSummary(exits, config.targetAccuracy) } : {}),
  };
  return {
    seeds,
    heads,
    report,
    ...(proxied ? { proxy: proxied } : {}),
    ...(exits ? { exits } : {}),
    metrics,
    predictions: sets.map((set, k) => predictionsOf(set, k, best, proxy)),
  };
}
