/** The self-contained HTML report: one file, inline CSS and SVG, readable offline and attachable to an issue. */
import type { ImageSkip } from '../../data/sources/index.js';
import type { ValidatorProtocol } from '../../wire/protocol/index.js';
import { sliceRows, type EvalRecord, type EvalSummary, type MetricBlock } from './_summary.js';
import { esc, funnelSvg, groupedBarsSvg, histogramSvg, reliabilitySvg } from './_svg.js';

/** What the run was, for the report's heading and the JSON. */
export interface EvalMeta {
  readonly mode: 'online' | 'offline';
  /** The validator generation imitated; absent in reports written before it was recorded (2.0.4). */
  readonly protocol?: ValidatorProtocol;
  readonly seed: string;
  readonly data: { readonly name: string; readonly images: number };
  /** Online: the axon URL and hotkey; offline: the model file. */
  readonly axon?: string;
  readonly axon_hotkey?: string;
  readonly model?: string;
  readonly validators: number;
  readonly concurrency: number;
  readonly rate_per_s?: number;
  readonly duration_s?: number;
  /** Why the run ended early, when it did (e.g. the axon went away). */
  readonly stopped?: string;
  /** Images left out because they could not be read or decoded (absent when none). */
  readonly skipped_images?: readonly ImageSkip[];
  readonly started_at: string;
  readonly elapsed_s: number;
  readonly throughput_rps: number;
}

/** The JSON report: the run's description and its scores. */
export type EvalReport = EvalMeta & EvalSummary & { readonly version: 1 };

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}.kpis{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.kpi{background:#f4f6f8;border-radius:8px;padding:10px 14px;min-width:110px}.kpi b{display:block;font-size:22px}
.grid{display:flex;flex-wrap:wrap;gap:20px}.grid figure{margin:0}figcaption{color:#555;font-size:13px;max-width:420px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{padding:4px 10px;border-bottom:1px solid #e6e6e6;text-align:right}
th:first-child,td:first-child{text-align:left}.cm td{width:90px;text-align:center;font-size:16px}
.good{background:#dff0d8}.bad{background:#f8e0e0}svg .tick{font-size:10px;fill:#555}svg .axis{font-size:11px;fill:#333}`;

function n3(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : x.toFixed(3);
}

function ms(x: number | null): string {
  return x === null ? '—' : `${x.toFixed(1)} ms`;
}

function blockRows(entries: readonly [string, MetricBlock][]): string {
  return entries
    .map(
      ([name, b]) =>
        `<tr><td>${esc(name)}</td><td>${b.n}</td><td>${n3(b.mcc)}</td><td>${n3(b.accuracy)}</td><td>${b.reward_ema.toFixed(4)}</td><td>${b.errors}</td><td>${ms(b.latency_ms.p50)}</td><td>${ms(b.latency_ms.p95)}</td><td>${ms(b.latency_ms.p99)}</td></tr>`,
    )
    .join('');
}

const TABLE_HEAD =
  '<tr><th></th><th>n</th><th>MCC</th><th>accuracy</th><th>reward EMA</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th></tr>';

/** Renders the report; `records` feed the latency histogram. */
export function renderHtmlReport(report: EvalReport, records: readonly EvalRecord[]): string {
  const where =
    report.mode === 'online'
      ? `axon ${esc(report.axon ?? '')} (${esc(report.axon_hotkey ?? '')}), ${report.validators} validator(s) × ${report.concurrency} lane(s)`
      : `offline, model ${esc(report.model ?? '')}, ${report.concurrency} lane(s)`;
  const kpi = (label: string, value: string) => `<div class="kpi">${esc(label)}<b>${esc(value)}</b></div>`;
  const slices = sliceRows(report);
  const by04 = Object.keys(report.origins ?? {}).length > 0;
  const c = report.confusion;
  const stages = report.stages
    ? Object.entries(report.stages).map(([name, s]) => ({ name, reached: s.reached, exits: s.exits }))
    : [];
  const statuses = Object.entries(report.statuses)
    .map(([code, count]) => `${esc(code)}: ${count}`)
    .join(', ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>roadwork eval — MCC ${n3(report.mcc)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head><body>
<h1>roadwork eval</h1>
<div class="meta">${where}, protocol ${esc(report.protocol ?? '2.0.4')}<br>data ${esc(report.data.name)} (${report.data.images} images), seed <code>${esc(report.seed)}</code>, started ${esc(report.started_at)}, ${report.elapsed_s.toFixed(1)} s, ${report.throughput_rps.toFixed(1)} challenges/s</div>
<div class="kpis">${kpi('challenges', String(report.n))}${kpi('MCC', n3(report.mcc))}${kpi('accuracy', n3(report.accuracy))}${kpi('reward EMA', report.reward_ema.toFixed(4))}${kpi('mean reward', n3(report.reward_mean))}${kpi('errors', String(report.errors))}${kpi('p50', ms(report.latency_ms.p50))}${kpi('p99', ms(report.latency_ms.p99))}</div>
<p class="meta">MCC and accuracy are over every valid answer of the run, rounded half to even as validators round. The reward EMA replays the answers in order through the validator's scoring (MCC over the last 100, accuracy over the last 10, reward (0.5·mcc + 0.5·acc)³, α = 0.05, starting at 0). Status codes: ${statuses}.</p>
<h2>Scores</h2>
<table>${TABLE_HEAD}${blockRows([['all', report]])}${blockRows(slices)}${blockRows(Object.entries(report.groups))}</table>
<h2>Plots</h2><div class="grid">
<figure>${reliabilitySvg(report.calibration)}<figcaption>Reliability: bars are the observed roadwork rate per prediction bin (count above), dots the mean prediction in the bin; a calibrated model sits on the diagonal. ECE ${n3(report.ece)}.</figcaption></figure>
<figure>${histogramSvg(
    records.filter((r) => r.status === 200).map((r) => r.latency_ms),
    {
      xLabel: 'latency, ms (answered requests)',
      markers: { p50: report.latency_ms.p50, p95: report.latency_ms.p95, p99: report.latency_ms.p99 },
    },
  )}<figcaption>Latency of answered challenges, as the validator measures it (request to answer). Validators give up after 9 s.</figcaption></figure>
<figure>${groupedBarsSvg(
    slices.map(([name]) => name),
    [
      { name: 'accuracy', colour: '#4e79a7', values: slices.map(([, b]) => b.accuracy) },
      { name: 'MCC', colour: '#f28e2b', values: slices.map(([, b]) => b.mcc) },
    ],
    { xLabel: by04 ? 'challenge source' : 'augmentation level', yLabel: 'score' },
  )}<figcaption>${
    by04
      ? 'Accuracy and MCC per challenge source (protocol 0.4: real frames, synthetic images, and held-out api-like images, each at its own size).'
      : 'Accuracy and MCC per augmentation level (0: crop only; 3: rotation, crop and the heavy distortions).'
  }</figcaption></figure>
<figure><table class="cm"><tr><th></th><th>predicted 1</th><th>predicted 0</th></tr>
<tr><th>roadwork (1)</th><td class="good">${c.tp}</td><td class="bad">${c.fn}</td></tr>
<tr><th>no roadwork (0)</th><td class="bad">${c.fp}</td><td class="good">${c.tn}</td></tr></table>
<figcaption>Confusion counts over valid answers (rounded half to even); ${report.errors} challenge(s) had no valid answer.</figcaption></figure>
</div>
${stages.length ? `<h2>Cascade stages</h2><figure>${funnelSvg(stages)}<figcaption>How many challenges reached each stage (teal) and exited there (orange).</figcaption></figure>` : ''}
</body></html>
`;
}
