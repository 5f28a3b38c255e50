// Grouped cross-validation, cross-fitted calibration, the final fit and its report.
import { RoadworkError } from '../../core/errors/index.js';
import type { ConvSpec, Head, MilSpec } from '../../inference/heads/index.js';
import { openHeadScorer, sigmoid } from '../../inference/heads/index.js';
import { Semaphore } from '../../inference/workers/index.js';
import { chooseExits, decisionShift, fitTemperature, thresholdSweep, type SweepRow } from './_calibrate.js';
import { groupFamily, type ViewRow } from './_dataset.js';
import { familyRule, styleUnit } from './_families.js';
import {
  fitLogistic,
  fitMlp,
  logits,
  matrixOf,
  type ColumnL2,
  type Labelled,
  type LabelledVectors,
} from './_fit.js';
import { bootstrapStatsByGroup, expectedReward, scores, type Estimate } from './_metrics.js';
import { fitConv, type ConvInit } from './_conv.js';
import { fitMil } from './_mil.js';
import { fitTrees, type TreesShape } from './_trees.js';
import { groupFolds, groupHoldout } from './_split.js';

/** How to fit and evaluate a head. */
export interface TrainConfig {
  readonly model: 'logistic' | 'mlp' | 'mil' | 'conv' | 'trees';
  /** `trees` only: how many trees, how deep, at what learning rate (`l2` is the leaves' L2). */
  readonly trees?: TreesShape;
  /** `mil` only: the layout of the cells in each row and how their scores pool. */
  readonly mil?: MilSpec;
  /** `conv` only: the cells, the starting convolution and how long it is fine-tuned. */
  readonly conv?: ConvConfig;
  readonly l2: number;
  /** MLP hidden units. */
  readonly hidden: number;
  /** MLP: fits from this many initialisations, the best kept (`MlpOptions.restarts`). Default 1. */
  readonly restarts?: number;
  /**
   * MLP: stop early on a held-out 15 % of the real groups (default true); false fits on every row
   * until the optimiser converges or `maxIter` ends it, with only L2 against overfitting.
   */
  readonly earlyStop?: boolean;
  readonly folds: number;
  readonly seed: string;
  /** Average the logits of each view and its horizontal flip at evaluation. */
  readonly tta: boolean;
  /** Add the flipped twins to the training rows. */
  readonly trainOnFlips: boolean;
  /** Feature columns used, `[start, end)`; default all (ablations pick the backbone or the extras). */
  readonly columns?: readonly [number, number];
  /** Column ranges (of the columns used) whose L2 strength is scaled; logistic and MLP heads. */
  readonly columnL2?: readonly ColumnL2[];
  /**
   * Logistic and MLP heads: remove this many directions along which cameras (`styleUnit`) differ
   * inside one label from the standardised features before fitting (`FitOptions.styleNull`).
   */
  readonly styleNull?: number;
  /** Accuracy wanted on early exits when choosing thresholds. */
  readonly targetAccuracy: number;
  readonly maxIter?: number;
  /**
   * Rows that only ever train (synthetic scenes): added to every fit, never held out for early
   * stopping, scored, bootstrapped or used for calibration. `weight` is their sample weight
   * relative to a real row's 1.
   */
  readonly synthetic?: SyntheticRows;
  /**
   * More augmented views of the same real images, for fitting only: a fit on some rows also trains
   * on the extra views of those rows' groups (so never in the fold that scores their image, nor in
   * the MLP's early-stopping split), and they are never scored or used for calibration or exits.
   */
  readonly extraViews?: readonly ViewRow[];
  /**
   * Weigh the rows so that every (camera kind, label) cell present holds the same total weight
   * (`familyRule`'s camera: in-car, web, other): the kind of camera then says nothing about the label
   * in what the head is fitted on, so it has to learn roadwork inside each kind.
   */
  readonly balanceCameras?: boolean;
}

/** What a conv head fits (`fitConv`): its layout, starting weights, epochs and Adam step. */
export interface ConvConfig {
  readonly spec: ConvSpec;
  readonly init: ConvInit;
  readonly epochs: number;
  readonly lr: number;
}

/** Training-only rows and their relative sample weight. */
export interface SyntheticRows {
  readonly rows: readonly ViewRow[];
  readonly weight: number;
}

function cols(v: Float32Array, c: readonly [number, number] | undefined): Float32Array {
  return c === undefined ? v : v.subarray(c[0], c[1]);
}

/** The rows a head trains on (mirror twins and synthetic rows added), their vectors unstacked. */
function trainingVectors(
  rows: readonly ViewRow[],
  config: TrainConfig,
  extra?: SyntheticRows,
): LabelledVectors {
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  const style: (string | undefined)[] = [];
  const add = (r: ViewRow, weight: number, camera: string | undefined) => {
    xs.push(cols(r.x, config.columns));
    ys.push(r.label);
    ws.push(weight);
    style.push(camera);
    if (config.trainOnFlips && r.xh) {
      xs.push(cols(r.xh, config.columns));
      ys.push(r.label);
      ws.push(weight);
      style.push(camera);
    }
  };
  const cells = config.balanceCameras === true ? cameraCellWeights(rows) : undefined;
  rows.forEach((r, i) => add(r, cells?.[i] ?? 1, config.styleNull ? styleUnit(r.group) : undefined));
  // Synthetic scenes come from no camera: they never shape the style directions.
  for (const r of extra?.rows ?? []) add(r, extra!.weight, undefined);
  const x = { cols: xs[0]?.length ?? 0, of: xs };
  const styled = config.styleNull ? { style } : {};
  // Without extra rows or camera weights every weight is 1: leave them out so the fit is the
  // unweighted one, bit for bit.
  return extra?.rows.length || cells !== undefined
    ? { x, y: Uint8Array.from(ys), weight: Float64Array.from(ws), ...styled }
    : { x, y: Uint8Array.from(ys), ...styled };
}

/** `trainingVectors` stacked into one matrix, as the L-BFGS fitters read them. */
function trainingSet(rows: readonly ViewRow[], config: TrainConfig, extra?: SyntheticRows): Labelled {
  const { x, ...rest } = trainingVectors(rows, config, extra);
  return { ...rest, x: matrixOf(x.of, x.cols) };
}

/** Per-row weights giving each (camera kind, label) cell the same total, averaging 1 over the rows. */
export function cameraCellWeights(rows: readonly ViewRow[]): number[] {
  const cellOf = rows.map((r) => `${r.camera ?? familyRule(r.group).camera}|${r.label}`);
  const counts = new Map<string, number>();
  for (const c of cellOf) counts.set(c, (counts.get(c) ?? 0) + 1);
  return cellOf.map((c) => rows.length / (counts.size * counts.get(c)!));
}

/** `rows` plus the configured extra views of their groups. */
function withExtraViews(rows: readonly ViewRow[], config: TrainConfig): readonly ViewRow[] {
  if (!config.extraViews?.length) return rows;
  const groups = new Set(rows.map((r) => r.group));
  return [...rows, ...config.extraViews.filter((r) => groups.has(r.group))];
}

/**
 * Fits one head on rows, the extra views of their groups and the configured synthetic rows (MLP:
 * early stopping on a held-out 15 % of the real groups, unless `earlyStop` is false).
 */
export async function fitHead(rows: readonly ViewRow[], config: TrainConfig): Promise<Head> {
  if (config.model === 'conv') {
    if (config.conv === undefined)
      throw new RoadworkError(
        'ERR_INTERNAL',
        'fitHead(): a conv head needs config.conv; pass --conv with --model conv.',
      );
    const { spec, init, epochs, lr } = config.conv;
    // Unstacked: a stacked copy of a fold's 448 px cells would double the fit's memory.
    return fitConv(trainingVectors(withExtraViews(rows, config), config, config.synthetic), spec, init, {
      l2: config.l2,
      ...(config.columnL2 ? { columnL2: config.columnL2 } : {}),
      epochs,
      lr,
      seed: config.seed,
      ...(config.maxIter ? { maxIter: config.maxIter } : {}),
    });
  }
  if (config.model === 'mil') {
    if (config.mil === undefined)
      throw new RoadworkError(
        'ERR_INTERNAL',
        'fitHead(): a mil head needs config.mil; pass --mil with --model mil.',
      );
    return fitMil(trainingSet(withExtraViews(rows, config), config, config.synthetic), config.mil, {
      l2: config.l2,
      ...(config.maxIter ? { maxIter: config.maxIter } : {}),
    });
  }
  if (config.model === 'trees') {
    if (config.trees === undefined)
      throw new RoadworkError('ERR_INTERNAL', 'fitHead(): a trees head needs config.trees (--trees).');
    return fitTrees(trainingSet(withExtraViews(rows, config), config, config.synthetic), {
      ...config.trees,
      l2: config.l2,
      seed: config.seed,
    });
  }
  if (config.model === 'logistic') {
    return fitLogistic(trainingSet(withExtraViews(rows, config), config, config.synthetic), {
      l2: config.l2,
      ...(config.columnL2 ? { columnL2: config.columnL2 } : {}),
      ...(config.styleNull ? { styleNull: config.styleNull } : {}),
      ...(config.maxIter ? { maxIter: config.maxIter } : {}),
    });
  }
  const early = config.earlyStop ?? true;
  const held = early
    ? groupHoldout(
        rows.map((r) => r.group),
        0.15,
        config.seed,
      )
    : rows.map(() => false);
  const train = rows.filter((_, i) => !held[i]);
  const val = rows.filter((_, i) => held[i]);
  return fitMlp(trainingSet(withExtraViews(train, config), config, config.synthetic), {
    l2: config.l2,
    ...(config.columnL2 ? { columnL2: config.columnL2 } : {}),
    ...(config.styleNull ? { styleNull: config.styleNull } : {}),
    hidden: config.hidden,
    seed: config.seed,
    ...(config.restarts && config.restarts > 1 ? { restarts: config.restarts } : {}),
    ...(early ? { validation: trainingSet(val, config) } : {}),
    ...(config.maxIter ? { maxIter: config.maxIter } : {}),
  });
}

/** Fits heads: `fitHead`'s contract, asynchronously (in this thread, or on workers: `openFitPool`). */
export interface FitRunner {
  /** How many fits run at once (1 in this thread). */
  readonly size: number;
  fit(rows: readonly ViewRow[], config: TrainConfig): Promise<Head>;
}

/** Whether `fits` runs more than one fit at once (so independent fits should be handed over together). */
export function fitsSideBySide(fits: FitRunner | undefined): boolean {
  return (fits?.size ?? 1) > 1;
}

/** Fits in this thread, one at a time. */
export const inProcessFits: FitRunner = {
  size: 1,
  fit: (rows, config) => fitHead(rows, config),
};

/**
 * Raw logits of rows, TTA-averaged with the flipped twin when configured. A conv head's convolution
 * runs in onnxruntime (`openHeadScorer`: 47× its JS loop in bench/conv-fit.ts, equal to ~1e-5);
 * other heads score in this thread.
 */
export async function scoreRows(
  head: Head,
  rows: readonly ViewRow[],
  config: Pick<TrainConfig, 'columns' | 'tta'>,
): Promise<Float64Array> {
  const scorer = head.conv === undefined ? undefined : await openHeadScorer(head);
  const score = async (xs: Float32Array[]): Promise<Float64Array> =>
    scorer ? Float64Array.from(await scorer.logits(xs)) : logits(head, matrixOf(xs, xs[0]?.length ?? 0));
  try {
    const z = await score(rows.map((r) => cols(r.x, config.columns)));
    if (!config.tta) return z;
    const zh = await score(rows.map((r) => cols(r.xh ?? r.x, config.columns)));
    return z.map((v, i) => (v + zh[i]!) / 2);
  } finally {
    await scorer?.close();
  }
}

/** Where `crossValidate` fits its folds, and what it tells as they go. */
export interface CrossValidateOptions {
  readonly fits?: FitRunner;
  readonly onFold?: (fold: number, test: readonly ViewRow[]) => void;
  /** After each fold's head is fitted: how many are, of how many (progress for slow heads). */
  readonly onFitted?: (done: number, of: number) => void;
}

/**
 * Out-of-fold raw logits of every row under grouped k-fold cross-validation, and each row's fold.
 * Synthetic rows (config) join every fold's training part and are never in a test part; `onFold`
 * sees each fold's test rows. The folds fit side by side on `options.fits`, at most its `size` at
 * once (default: in this thread, one after another); the result is the same either way. Only that
 * bound keeps a fold's training rows out of memory until its turn: a conv fit awaits onnxruntime,
 * so unbounded, every fold would build its training set at once (5 × 4.3 GB at 448 px cells).
 */
export async function crossValidate(
  rows: readonly ViewRow[],
  config: TrainConfig,
  options: CrossValidateOptions = {},
): Promise<{ logits: Float64Array; fold: Int32Array }> {
  const fits = options.fits ?? inProcessFits;
  const fold = groupFolds(
    rows.map((r) => r.group),
    config.folds,
    config.seed,
  );
  const out = new Float64Array(rows.length);
  const folds = Array.from({ length: config.folds }, (_, f) => f).flatMap((f) => {
    const test = rows.map((_, i) => i).filter((i) => fold[i] === f);
    return test.length === 0 ? [] : [{ f, test }];
  });
  const slots = new Semaphore(fits.size);
  let fitted = 0;
  const heads = await Promise.all(
    folds.map(async ({ f }) => {
      const release = await slots.acquire();
      try {
        const head = await fits.fit(
          rows.filter((_, i) => fold[i] !== f),
          config,
        );
        options.onFitted?.(++fitted, folds.length);
        return head;
      } finally {
        release();
      }
    }),
  );
  for (const [k, { f, test }] of folds.entries()) {
    const testRows = test.map((i) => rows[i]!);
    const z = await scoreRows(heads[k]!, testRows, config);
    test.forEach((i, j) => (out[i] = z[j]!));
    options.onFold?.(f, testRows);
  }
  return { logits: out, fold };
}

/**
 * Calibrated probabilities for out-of-fold logits, cross-fitted: each fold's temperature and shift
 * come from the other folds only, so the reported metrics do not see their own calibration.
 */
export function crossCalibrate(
  z: Float64Array,
  y: Uint8Array,
  fold: Int32Array,
  folds: number,
): Float64Array {
  const p = new Float64Array(z.length);
  for (let f = 0; f < folds; f++) {
    const other = [...z.keys()].filter((i) => fold[i] !== f);
    if (other.length === z.length) continue;
    const { temperature, shift } = calibration(
      other.map((i) => z[i]!),
      other.map((i) => y[i]!),
    );
    for (let i = 0; i < z.length; i++) if (fold[i] === f) p[i] = sigmoid(z[i]! / temperature + shift);
  }
  return p;
}

/** Temperature (min NLL) then the shift mapping the balanced-MCC-optimal threshold to 0.5. */
export function calibration(
  z: ArrayLike<number>,
  y: ArrayLike<number>,
): { temperature: number; shift: number } {
  const temperature = fitTemperature(z, y);
  const scaled = Array.from(z, (v) => v / temperature);
  return { temperature, shift: decisionShift(scaled, y).shift };
}

/** Metrics of one slice of rows. */
export interface SliceReport {
  readonly n: number;
  readonly positives: number;
  readonly mcc?: Estimate;
  readonly accuracy: Estimate;
  readonly auc?: Estimate;
  readonly reward?: number;
}

/** Resamples of the groups behind every interval of the training reports. */
export const SLICE_ROUNDS = 300;

/** MCC, accuracy, AUC with group-bootstrap CIs (MCC and AUC only where both classes occur). */
export function sliceReport(p: ArrayLike<number>, rows: readonly ViewRow[], seed: string): SliceReport {
  const y = rows.map((r) => r.label);
  const groups = rows.map((r) => r.group);
  const both = y.some((v) => v === 1) && y.some((v) => v === 0);
  // One resample scores all three (the same estimates as a bootstrap each, at a third of the cost).
  const e = bootstrapStatsByGroup(
    { p, y, groups },
    (pp, yy) => {
      const s = scores(pp, yy);
      return { mcc: s.mcc, accuracy: s.accuracy, auc: s.auc };
    },
    { seed, rounds: SLICE_ROUNDS },
  );
  return {
    n: rows.length,
    positives: y.filter((v) => v === 1).length,
    ...(both ? { mcc: e.mcc } : {}),
    accuracy: e.accuracy,
    ...(both ? { auc: e.auc } : {}),
    ...(both ? { reward: expectedReward(p, y) } : {}),
  };
}

/** The full evaluation report: overall, per augmentation level, per group family, and the sweep. */
export interface EvalReport {
  readonly overall: SliceReport;
  readonly levels: Readonly<Record<string, SliceReport>>;
  readonly families: Readonly<Record<string, SliceReport>>;
  readonly sweep: readonly SweepRow[];
  /** Synthetic images the heads trained on (never scored); set by `trainHead`. */
  readonly synthetic?: SyntheticSummary;
}

/** How much synthetic data went into training. */
export interface SyntheticSummary {
  readonly images: number;
  readonly views: number;
  readonly weight: number;
}

/** Builds the report from calibrated out-of-fold probabilities. */
export function evaluate(p: Float64Array, rows: readonly ViewRow[], seed: string): EvalReport {
  const slice = (keep: (r: ViewRow) => boolean) => {
    const idx = rows.map((_, i) => i).filter((i) => keep(rows[i]!));
    return sliceReport(
      idx.map((i) => p[i]!),
      idx.map((i) => rows[i]!),
      seed,
    );
  };
  const levels: Record<string, SliceReport> = {};
  for (const l of [...new Set(rows.map((r) => r.level))].sort())
    levels[l === 'source' ? 'source size (0.4)' : `level ${l}`] = slice((r) => r.level === l);
  const families: Record<string, SliceReport> = {};
  for (const f of [...new Set(rows.map((r) => groupFamily(r.group)))].sort()) {
    families[f] = slice((r) => groupFamily(r.group) === f);
  }
  return {
    overall: slice(() => true),
    levels,
    families,
    sweep: thresholdSweep(
      p,
      rows.map((r) => r.label),
    ),
  };
}

export { chooseExits };
