// The head a run ships, from one set of views: the final fit on every row, its calibration and exits
// from the held-out logits, and the metrics it carries.
import { RoadworkError } from '../../core/errors/index.js';
import type { Head } from '../../inference/heads/index.js';
import {
  TEMPERATURE_RANGE,
  atTemperatureBound,
  chooseExits,
  thresholdSweep,
  type SweepRow,
} from './_calibrate.js';
import { foldNormalization } from './_fit.js';
import {
  calibration,
  evaluate,
  fitHead,
  type EvalReport,
  type SliceReport,
  type SyntheticSummary,
  type TrainConfig,
} from './_pipeline.js';
import { drawConfig, type ViewSet } from './_protocols.js';
import { proxySummary, SELECTED_BY, type ProxyReport, type SelectBy } from './_proxy.js';

/** What the head records beside its own numbers. */
export interface FinalHeadContext {
  /** The embedder version the head was trained on. */
  readonly embedder: string;
  /** Groups the caller split by image. */
  readonly splitGroups?: readonly string[];
  /** Which held-out MCC chose the L2 (`trainHead`'s `selectBy`). */
  readonly selectedBy: SelectBy;
  readonly log: (line: string) => void;
  /** The proxy on these views at the chosen L2. */
  readonly proxy?: ProxyReport;
  /** The repeated draws' summary (`repeatsSummary`). */
  readonly repeats?: Readonly<Record<string, unknown>>;
}

/** A slice's headline numbers as a head's metrics record them. */
export function sliceSummary(s: SliceReport): Record<string, unknown> {
  return {
    n: s.n,
    mcc: s.mcc,
    accuracy: s.accuracy,
    auc: s.auc,
    ...(s.reward === undefined ? {} : { reward: s.reward }),
  };
}

/** The exit band as a head's (or a bundle's) metrics record it. */
export function exitsSummary(e: SweepRow, target: number): Record<string, unknown> {
  return { high: e.high, low: e.low, coverage: e.coverage, accuracy: e.accuracy, target };
}

/**
 * A dense or trees head fitted on columns `[start, end)` of the embedding (`--columns`), as a head
 * of the whole `dims`-wide embedding that reads those columns (version 4; a trees head stays version
 * 5): it serves wherever its embedder does (alone, or beside heads on every column in one stage),
 * and its file and its multiply-adds hold only the columns it reads.
 */
export function columnHead(head: Head, [start, end]: readonly [number, number], dims: number): Head {
  if (head.type !== 'logistic' && head.type !== 'mlp' && head.type !== 'trees')
    throw new RoadworkError('ERR_INTERNAL', `columnHead(): a ${head.type} head reads the whole embedding`);
  if (head.columns !== undefined || head.inputDims !== end - start || end > dims)
    throw new RoadworkError(
      'ERR_INTERNAL',
      `columnHead(): a head of ${head.inputDims} columns is not columns ${start}:${end} of ${dims}`,
    );
  return { ...head, version: head.type === 'trees' ? 5 : 4, inputDims: dims, columns: [start, end] };
}

/**
 * A version 1 dense head trained on `--columns` (`metrics.columns`) before heads could read columns:
 * its first layer holds zero weights everywhere else, so the column head of the same columns
 * computes the same logit from a tenth of the numbers. Any other head is returned as it is; a head
 * with a weight outside its columns is refused.
 */
export function narrowHead(head: Head, source = 'head'): Head {
  const columns = head.metrics?.['columns'];
  const first = head.layers[0];
  if (head.columns !== undefined || !Array.isArray(columns) || first === undefined || head.normalize)
    return head;
  const [start, end] = columns as [number, number];
  if (first.weights.some((row) => row.some((w, i) => w !== 0 && (i < start || i >= end))))
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `${source}: its metrics say columns ${start}:${end}, but it has weights outside them; it is not a --columns head`,
    );
  const weights = first.weights.map((row) => row.slice(start, end));
  const slice: Head = {
    ...head,
    inputDims: end - start,
    layers: [{ ...first, weights }, ...head.layers.slice(1)],
  };
  return columnHead(slice, [start, end], head.inputDims);
}

const TEMPERATURE_RANGE_TEXT = `${TEMPERATURE_RANGE[0]} to ${TEMPERATURE_RANGE[1]}`;

/**
 * The final head on `set`'s views: temperature and shift from its first draw's out-of-fold logits
 * (`run.z`), metrics from its cross-calibrated probabilities (`run.p`), then the fit on every row
 * (with the set's training-only views and synthetic scenes, at its seed) and the exits its
 * calibrated held-out probabilities reach. Warns when the temperature ends at its bound.
 */
export async function finalHead(
  set: ViewSet,
  run: { readonly z: Float64Array; readonly p: Float64Array },
  config: TrainConfig,
  context: FinalHeadContext,
): Promise<{ head: Head; report: EvalReport; exits?: SweepRow }> {
  const { rows } = set;
  const y = Uint8Array.from(rows, (r) => r.label);
  const synthetic: SyntheticSummary = {
    images: new Set(set.synthetic?.map((r) => r.image)).size,
    views: set.synthetic?.length ?? 0,
    weight: config.synthetic?.weight ?? 1,
  };
  const report: EvalReport = { ...evaluate(run.p, rows, set.seed), synthetic };
  const { temperature, shift } = calibration(run.z, y);
  if (atTemperatureBound(temperature)) {
    context.log(
      `warning: the temperature ran to its bound (${temperature.toFixed(3)}; the search covers ${TEMPERATURE_RANGE_TEXT}): the held-out logits carry almost no signal, so the probabilities are not calibrated; check the labels and the data`,
    );
  }
  const fitted = await fitHead(rows, drawConfig(config, { ...set, views: set.seed }));
  const folded = foldNormalization(fitted);
  const final = config.columns ? columnHead(folded, config.columns, rows[0]!.x.length) : folded;
  const finalP = Array.from(run.z, (v) => 1 / (1 + Math.exp(-(v / temperature + shift))));
  const exits = chooseExits(thresholdSweep(finalP, y), config.targetAccuracy);
  const splitText = context.splitGroups?.length
    ? `manifest groups; ${context.splitGroups.join(', ')} split by image`
    : 'manifest groups';
  const extraViews = set.extraViews?.length ?? 0;
  const head: Head = {
    ...final,
    temperature,
    shift,
    embedder: context.embedder,
    metrics: {
      protocol: `${config.folds}-fold grouped CV (${splitText}), cross-fitted temperature and shift, ${config.tta ? 'hflip TTA' : 'no TTA'}${synthetic.images > 0 ? `, plus ${synthetic.images} synthetic scenes in training only` : ''}${extraViews > 0 ? `, plus ${extraViews} training-only views of the same images` : ''}${config.balanceCameras ? ', rows weighed to balance (camera kind, label)' : ''}`,
      l2: config.l2,
      ...(config.columns ? { columns: [...config.columns] } : {}),
      ...(config.columnL2?.length ? { column_l2: config.columnL2.map((c) => ({ ...c })) } : {}),
      ...(config.styleNull ? { style_null: config.styleNull } : {}),
      ...(context.selectedBy === 'cv' ? {} : { selected_by: SELECTED_BY[context.selectedBy] }),
      ...(context.proxy ? { proxy: proxySummary(context.proxy) } : {}),
      ...(context.repeats ? { repeats: context.repeats } : {}),
      ...(synthetic.images > 0 ? { synthetic: { images: synthetic.images, weight: synthetic.weight } } : {}),
      ...(config.model === 'mlp' ? mlpMetrics(config) : {}),
      ...(config.model === 'trees' && config.trees ? { trees: { ...config.trees } } : {}),
      seed: set.seed,
      overall: sliceSummary(report.overall),
      levels: Object.fromEntries(Object.entries(report.levels).map(([k, s]) => [k, sliceSummary(s)])),
      families: Object.fromEntries(Object.entries(report.families).map(([k, s]) => [k, sliceSummary(s)])),
      ...(exits ? { exits: exitsSummary(exits, config.targetAccuracy) } : {}),
    },
  };
  return { head, report, ...(exits ? { exits } : {}) };
}

/** An MLP head's fit as its metrics record it: its width, and its restarts and early stopping where not the default. */
function mlpMetrics(config: TrainConfig): Record<string, unknown> {
  return {
    hidden: config.hidden,
    ...(config.restarts !== undefined && config.restarts > 1 ? { restarts: config.restarts } : {}),
    ...(config.earlyStop === false ? { early_stop: false } : {}),
  };
}
