// The same-camera proxy: cross-validation that holds out whole cameras and scores only inside one
// kind of camera, where the photo style cannot tell the labels apart.
import { RoadworkError } from '../../core/errors/index.js';
import type { ViewRow } from './_dataset.js';
import { CAMERA_PREFIX, familyRule, type CameraKind } from './_families.js';
import { bootstrapStatsByGroup, scores, type Estimate, type Scores } from './_metrics.js';
import {
  crossCalibrate,
  crossValidate,
  SLICE_ROUNDS,
  sliceReport,
  type CrossValidateOptions,
  type SliceReport,
  type TrainConfig,
} from './_pipeline.js';

/** What the proxy's folds hold out whole, for one row: its camera (see `FAMILY_RULES`). */
export function cameraUnit(row: Pick<ViewRow, 'group' | 'image'>): string {
  const rule = familyRule(row.group);
  if (rule.unit === 'family') return `${CAMERA_PREFIX}${rule.family}`;
  if (rule.unit === 'image') return `${row.group}/${row.image}`;
  return row.group;
}

/** What the proxy's intervals resample: drives (manifest groups), web photos one by one. */
export function bootstrapUnit(row: { readonly group: string; readonly image: number | string }): string {
  return familyRule(row.group).unit === 'image' ? `${row.group}/${row.image}` : row.group;
}

/** The proxy's headline: MCC and AUC inside the in-car cameras (or the first kind holding both labels). */
export interface ProxyHeadline {
  readonly kind: CameraKind;
  readonly n: number;
  readonly positives: number;
  readonly mcc: Estimate;
  readonly auc?: Estimate;
}

/** The proxy's report. */
export interface ProxyReport {
  readonly protocol: string;
  readonly l2: number;
  /** Absent when no camera kind holds both labels (nothing can be scored without style). */
  readonly headline?: ProxyHeadline;
  /** Per camera kind, each scored alone (MCC and AUC only where it holds both labels). */
  readonly kinds: Readonly<Record<string, SliceReport>>;
  /** Per source family, each scored alone (accuracy only on a family of one label). */
  readonly families: Readonly<Record<string, SliceReport>>;
  /**
   * Inside each kind holding both labels, its positives against each family of negatives only
   * (`in-car: roadwork vs KITTI`): the same slice in runs with and without another family's data.
   */
  readonly pairs: Readonly<Record<string, SliceReport>>;
  /**
   * Inside each kind with two or more pairs, every family of negatives weighing the same (keyed
   * `in-car: families balanced`): the kind's scores pool its families, so the one with the most
   * frames decides them; this is the mean of its pairs'.
   */
  readonly balanced?: Readonly<Record<string, BalancedReport>>;
}

/** A kind's pairs averaged, each family of its negatives weighing the same. */
export interface BalancedReport {
  readonly n: number;
  readonly positives: number;
  /** The pairs, in `pairs`' order. */
  readonly pairs: readonly string[];
  /** The mean of the pairs' MCCs; its interval resamples the kind's drives, as the headline's does. */
  readonly mcc: Estimate;
  /** The mean of the pairs' AUCs, resampled the same way. */
  readonly auc: Estimate;
}

/** The protocol line of the proxy, as reports and head metrics write it. */
export function proxyProtocol(folds: number): string {
  return `same-camera proxy: ${folds}-fold CV holding out whole cameras (KITTI, CamVid, highway as one camera each; each dashcam city or clip; web photos one by one), cross-fitted temperature and shift, scored only inside one camera kind; 95 % bootstrap over drives`;
}

/**
 * Calibrated out-of-fold probabilities of `rows` (groups as in the manifest, not split) under the
 * proxy's folds: `config.extraViews` follow their image's camera, so they never train the fold that
 * scores it.
 */
export async function proxyCrossValidate(
  rows: readonly ViewRow[],
  config: TrainConfig,
  options: CrossValidateOptions = {},
): Promise<{ logits: Float64Array; fold: Int32Array; p: Float64Array }> {
  const byCamera = (r: ViewRow): ViewRow => ({
    ...r,
    group: cameraUnit(r),
    camera: familyRule(r.group).camera,
  });
  const extra = config.extraViews?.map(byCamera);
  const { logits, fold } = await crossValidate(
    rows.map(byCamera),
    { ...config, ...(extra ? { extraViews: extra } : {}) },
    options,
  );
  const y = Uint8Array.from(rows, (r) => r.label);
  return { logits, fold, p: crossCalibrate(logits, y, fold, config.folds) };
}

/** The proxy's slices of `rows`, as row indices: each camera kind, each family and each pair. */
export interface ProxySlices {
  readonly kinds: Readonly<Record<string, number[]>>;
  readonly families: Readonly<Record<string, number[]>>;
  /** Inside each kind holding both labels, its positives and one family of negatives only. */
  readonly pairs: Readonly<Record<string, number[]>>;
  /** The kind the headline scores: in-car, else web, else other, the first holding both labels. */
  readonly headline?: CameraKind;
}

/** The name of a camera kind's families-balanced row (`in-car: families balanced`). */
export function balancedName(kind: string): string {
  return `${kind}: families balanced`;
}

/** Each kind's pairs (the names in `pairs`), for kinds with two or more. */
function pairsByKind(slices: ProxySlices): [string, string[]][] {
  return Object.keys(slices.kinds)
    .map((k): [string, string[]] => [k, Object.keys(slices.pairs).filter((n) => n.startsWith(`${k}: `))])
    .filter(([, names]) => names.length > 1);
}

/**
 * The mean over a kind's pairs of their MCC, accuracy and AUC at 0.5 on the drawn rows: `at` are
 * positions into the kind's rows (`p`, `y`), `inPair[j][k]` whether its `k`th row is in pair `j`.
 * What the families-balanced row scores, here and in `bench/ensemble-predictions.ts`.
 */
export function meanOverPairs(
  p: ArrayLike<number>,
  y: ArrayLike<number>,
  inPair: readonly Uint8Array[],
  at: readonly number[],
): { mcc: number; accuracy: number; auc: number } {
  let mcc = 0;
  let accuracy = 0;
  let auc = 0;
  for (const member of inPair) {
    const held = at.filter((k) => member[k] === 1);
    const s = scores(
      held.map((k) => p[k]!),
      held.map((k) => y[k]!),
    );
    mcc += s.mcc;
    accuracy += s.accuracy;
    auc += s.auc;
  }
  const n = inPair.length;
  return { mcc: mcc / n, accuracy: accuracy / n, auc: auc / n };
}

/** One kind's balanced report: its pairs' MCC and AUC averaged, bootstrapped over its drives. */
function balancedReport(
  p: ArrayLike<number>,
  rows: readonly ViewRow[],
  slices: ProxySlices,
  kind: string,
  pairs: readonly string[],
  seed: string,
): BalancedReport {
  const idx = slices.kinds[kind]!;
  const ps = idx.map((i) => p[i]!);
  const y = idx.map((i) => rows[i]!.label);
  const inPair = pairs.map((name) => {
    const member = new Set(slices.pairs[name]);
    return Uint8Array.from(idx, (i) => (member.has(i) ? 1 : 0));
  });
  // Positions into the kind's rows stand in for its probabilities, so each resample knows its pairs.
  const input = { p: idx.map((_, k) => k), y, groups: idx.map((i) => bootstrapUnit(rows[i]!)) };
  const { mcc, auc } = bootstrapStatsByGroup(input, (at) => meanOverPairs(ps, y, inPair, at), {
    seed,
    rounds: SLICE_ROUNDS,
  });
  return { n: idx.length, positives: y.filter((v) => v === 1).length, pairs, mcc, auc };
}

/** The slices of `rows`: they depend on the rows' groups and labels only, so draws of one data set share them. */
export function proxySlices(rows: readonly ViewRow[]): ProxySlices {
  const where = (keep: (r: ViewRow) => boolean) => rows.flatMap((r, i) => (keep(r) ? [i] : []));
  const bothLabels = (idx: readonly number[]) => new Set(idx.map((i) => rows[i]!.label)).size === 2;
  const kindOf = (r: ViewRow) => familyRule(r.group).camera;
  const familyOf = (r: ViewRow) => familyRule(r.group).family;
  const kinds: Record<string, number[]> = {};
  for (const k of [...new Set(rows.map(kindOf))].sort()) kinds[k] = where((r) => kindOf(r) === k);
  const families: Record<string, number[]> = {};
  for (const f of [...new Set(rows.map(familyOf))].sort()) families[f] = where((r) => familyOf(r) === f);
  const pairs: Record<string, number[]> = {};
  for (const [k, idx] of Object.entries(kinds)) {
    if (!bothLabels(idx)) continue;
    const inKind = idx.map((i) => rows[i]!);
    const negativeOnly = [...new Set(inKind.map(familyOf))]
      .sort()
      .filter((f) => inKind.every((r) => familyOf(r) !== f || r.label === 0));
    for (const f of negativeOnly)
      pairs[`${k}: roadwork vs ${f}`] = where((r) => kindOf(r) === k && (r.label === 1 || familyOf(r) === f));
  }
  const order: CameraKind[] = ['in-car', 'web', 'other'];
  const headline = order.find((k) => kinds[k] !== undefined && bothLabels(kinds[k]));
  return { kinds, families, pairs, ...(headline === undefined ? {} : { headline }) };
}

/** Scores the proxy's probabilities inside each camera kind and each family. */
export function proxyReport(
  p: ArrayLike<number>,
  rows: readonly ViewRow[],
  options: { seed: string; l2: number; folds: number },
  slices: ProxySlices = proxySlices(rows),
): ProxyReport {
  const slice = (idx: readonly number[]) =>
    sliceReport(
      idx.map((i) => p[i]!),
      idx.map((i) => ({ ...rows[i]!, group: bootstrapUnit(rows[i]!) })),
      options.seed,
    );
  const all = (named: Readonly<Record<string, number[]>>) =>
    Object.fromEntries(Object.entries(named).map(([k, idx]) => [k, slice(idx)]));
  const kinds = all(slices.kinds);
  const balanced = Object.fromEntries(
    pairsByKind(slices).map(([k, names]) => [
      balancedName(k),
      balancedReport(p, rows, slices, k, names, options.seed),
    ]),
  );
  const kind = slices.headline;
  const s = kind === undefined ? undefined : kinds[kind];
  return {
    protocol: proxyProtocol(options.folds),
    l2: options.l2,
    ...(kind !== undefined && s?.mcc !== undefined
      ? {
          headline: {
            kind,
            n: s.n,
            positives: s.positives,
            mcc: s.mcc,
            ...(s.auc === undefined ? {} : { auc: s.auc }),
          },
        }
      : {}),
    kinds,
    families: all(slices.families),
    pairs: all(slices.pairs),
    ...(Object.keys(balanced).length ? { balanced } : {}),
  };
}

/**
 * Point scores (no bootstrap) of every proxy slice holding both labels, named as the proxy's table
 * names them (`in-car cameras`, `in-car: roadwork vs KITTI`); `headline` names the headline's slice.
 * Repeated draws of the folds summarise these.
 */
export function proxyScores(
  p: ArrayLike<number>,
  rows: readonly ViewRow[],
  slices: ProxySlices = proxySlices(rows),
): { scores: Record<string, Scores>; headline?: string } {
  const out: Record<string, Scores> = {};
  const add = (name: string, idx: readonly number[]) => {
    if (new Set(idx.map((i) => rows[i]!.label)).size < 2) return;
    out[name] = scores(
      idx.map((i) => p[i]!),
      idx.map((i) => rows[i]!.label),
    );
  };
  for (const [k, idx] of Object.entries(slices.kinds)) add(`${k} cameras`, idx);
  for (const [k, idx] of Object.entries(slices.pairs)) add(k, idx);
  // Each kind's pairs averaged (point scores; the accuracy too is the pairs' mean).
  for (const [k, names] of pairsByKind(slices)) {
    const each = names.map((n) => out[n]).filter((s) => s !== undefined);
    if (each.length !== names.length) continue;
    const mean = (f: (s: Scores) => number) => each.reduce((sum, s) => sum + f(s), 0) / each.length;
    out[balancedName(k)] = {
      n: slices.kinds[k]!.length,
      mcc: mean((s) => s.mcc),
      accuracy: mean((s) => s.accuracy),
      auc: mean((s) => s.auc),
    };
  }
  return { scores: out, ...(slices.headline ? { headline: `${slices.headline} cameras` } : {}) };
}

/** Which held-out MCC chooses the L2: the grouped CV's, the proxy's headline or its families-balanced row. */
export type SelectBy = 'cv' | 'family' | 'balanced';

/** How `head.json` `metrics.selected_by` names a choice by the proxy. */
export const SELECTED_BY: Readonly<Record<Exclude<SelectBy, 'cv'>, string>> = {
  family: 'same-camera proxy',
  balanced: 'same-camera proxy, families balanced',
};

/**
 * Fails with ERR_CONFIG_INVALID unless the proxy can score what `--select-by` reads: some camera kind
 * holding both labels (`family`), and for `balanced` two or more families of negatives in that kind.
 */
export function requireProxyKind(rows: readonly ViewRow[] | undefined, by: Exclude<SelectBy, 'cv'>): void {
  const slices = proxySlices(rows ?? []);
  const kind = slices.headline;
  if (kind === undefined) {
    const kinds = Object.keys(slices.kinds);
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --select-by ${by}: no camera kind holds both labels (${kinds.join(', ') || 'no rows'}), so the same-camera proxy scores nothing; add images of the other label from the same kind of camera, or select by cv`,
    );
  }
  if (by === 'family' || pairsByKind(slices).some(([k]) => k === kind)) return;
  const pairs = Object.keys(slices.pairs).filter((n) => n.startsWith(`${kind}: `));
  throw new RoadworkError(
    'ERR_CONFIG_INVALID',
    `Invalid --select-by balanced: the ${kind} cameras hold ${pairs.length === 0 ? 'no family of negatives without roadwork' : `one family of negatives only (${pairs[0]})`}, so there is no families-balanced mean to choose by; add negatives from another family of ${kind} cameras, or select by family`,
  );
}

/** The proxy's numbers as the head's metrics record them. */
export function proxySummary(r: ProxyReport): Record<string, unknown> {
  const pick = (s: SliceReport) => ({
    n: s.n,
    positives: s.positives,
    ...(s.mcc ? { mcc: s.mcc } : {}),
    accuracy: s.accuracy,
    ...(s.auc ? { auc: s.auc } : {}),
  });
  return {
    protocol: r.protocol,
    l2: r.l2,
    ...(r.headline ? { headline: r.headline } : {}),
    kinds: Object.fromEntries(Object.entries(r.kinds).map(([k, s]) => [k, pick(s)])),
    ...(r.balanced ? { balanced: r.balanced } : {}),
  };
}
