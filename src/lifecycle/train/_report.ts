// Plain-text tables of training reports: metrics per slice with CIs, and the accuracy-vs-coverage sweep.
import type { SweepRow } from './_calibrate.js';
import type { Estimate } from './_metrics.js';
import type { EvalReport, SliceReport } from './_pipeline.js';
import type { ProxyReport } from './_proxy.js';
import { spreadText, type RepeatReport, type RepeatedSlice } from './_repeats.js';

function est(e: Estimate | undefined): string {
  if (e === undefined || !Number.isFinite(e.value)) return '–';
  return `${e.value.toFixed(3)} [${e.lo.toFixed(2)}, ${e.hi.toFixed(2)}]`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function sliceRow(name: string, s: SliceReport): string[] {
  return [
    name,
    String(s.n),
    String(s.positives),
    est(s.mcc),
    est(s.accuracy),
    est(s.auc),
    s.reward === undefined ? '–' : s.reward.toFixed(3),
  ];
}

/** The metrics table: overall, per level, per group family (95 % group-bootstrap intervals). */
export function reportTable(r: EvalReport): string {
  const rows = [
    sliceRow('all views', r.overall),
    ...Object.entries(r.levels).map(([k, s]) => sliceRow(k, s)),
    ...Object.entries(r.families).map(([k, s]) => sliceRow(k, s)),
  ];
  return table(['slice', 'n', 'pos', 'MCC [95% CI]', 'accuracy [95% CI]', 'AUC [95% CI]', 'reward'], rows);
}

/**
 * The same-camera proxy's table: each camera kind scored alone (the headline is the in-car row),
 * then each source family alone (accuracy only where it holds one label), each kind's positives
 * against each family of its negatives, and their mean (`in-car: families balanced`).
 */
export function proxyTable(r: ProxyReport): string {
  const rows = [
    ...Object.entries(r.kinds).map(([k, s]) =>
      sliceRow(`${k} cameras${r.headline?.kind === k ? ' (headline)' : ''}`, s),
    ),
    ...Object.entries(r.families).map(([k, s]) => sliceRow(`  ${k}`, s)),
    ...Object.entries(r.pairs).map(([k, s]) => sliceRow(k, s)),
    ...Object.entries(r.balanced ?? {}).map(([k, b]) => [
      k,
      String(b.n),
      String(b.positives),
      est(b.mcc),
      '–',
      est(b.auc),
      '–',
    ]),
  ];
  return table(['slice', 'n', 'pos', 'MCC [95% CI]', 'accuracy [95% CI]', 'AUC [95% CI]', 'reward'], rows);
}

/**
 * Repeated cross-validation: per protocol and slice, the mean ± standard deviation [min, max] of MCC
 * and AUC over the draws; with several sets of views, then the grouped CV and the proxy's headline
 * on each set alone.
 */
export function repeatsTable(r: RepeatReport): string {
  const row = (name: string, s: RepeatedSlice) => [name, spreadText(s.mcc), spreadText(s.auc)];
  const rows = [
    row('grouped CV: all views', r.cv),
    ...Object.entries(r.proxy ?? {}).map(([k, s]) =>
      row(`proxy: ${k}${k === r.proxyHeadline ? ' (headline)' : ''}`, s),
    ),
    ...(r.byViews ?? []).flatMap((v) => [
      row(`grouped CV, views of seed ${v.seed}`, v.cv),
      ...(v.proxyHeadline
        ? [row(`proxy: ${r.proxyHeadline}, views of seed ${v.seed}`, v.proxyHeadline)]
        : []),
    ]),
  ];
  return table(['protocol: slice', 'MCC mean ± sd [min, max]', 'AUC mean ± sd [min, max]'], rows);
}

/** The accuracy-vs-coverage table of symmetric exit thresholds. */
export function sweepTable(rows: readonly SweepRow[]): string {
  return table(
    ['exit if p ≥', 'or p ≤', 'coverage', 'accuracy on exits', 'exits'],
    rows.map((r) => [
      r.high.toFixed(2),
      r.low.toFixed(2),
      r.coverage.toFixed(3),
      Number.isFinite(r.accuracy) ? r.accuracy.toFixed(3) : '–',
      String(r.exits),
    ]),
  );
}

export { table };
