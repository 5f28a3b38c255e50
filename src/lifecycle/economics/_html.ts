/** `roadwork roi --html`: one self-contained page, the chart inline SVG, no scripts or outside assets. */
import { esc, rankedBarsSvg } from '../../validation/eval/index.js';
import { HEAD, cells, chainLine, sig, usd } from './_table.js';
import type { RoiReport, RoiRow } from './types.js';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555}.verdict{padding:10px 14px;border-radius:8px;margin:16px 0}.paying{background:#dff0d8}
.burning,.no-incentive{background:#f8e0e0;font-weight:600}figure{margin:0}figcaption{color:#555;font-size:13px;max-width:520px}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}td,th{padding:4px 10px;border-bottom:1px solid #e6e6e6;text-align:right}
th:first-child,td:first-child{text-align:left}svg .tick{font-size:10px;fill:#555}svg .axis{font-size:11px;fill:#333}`;

function rowHtml(r: RoiRow): string {
  return `<tr>${cells(r)
    .map((c) => `<td>${esc(c)}</td>`)
    .join('')}</tr>`;
}

function chart(report: RoiReport): { svg: string; caption: string } {
  const s = report.subnet;
  const alphaPerDay = report.distribution.map((share) => s.minerAlphaPerBlock * report.blocksPerDay * share);
  const taoUsd = report.costs.taoUsd;
  if (taoUsd === null) {
    return {
      svg: rankedBarsSvg(alphaPerDay, { xLabel: 'miner UIDs by rank', yLabel: 'α per day' }),
      caption:
        'Each miner UID’s alpha per day, highest first. Without a TAO price the costs cannot be drawn: give --roi.tao_usd for the break-even line.',
    };
  }
  const usdPerDay = alphaPerDay.map((a) => a * s.alphaPriceTao * taoUsd);
  return {
    svg: rankedBarsSvg(usdPerDay, {
      xLabel: 'miner UIDs by rank',
      yLabel: 'USD per day',
      format: (v) => `$${v.toFixed(v < 10 ? 2 : 0)}`,
      line: { value: report.costs.usdPerDay, label: `break-even ${usd(report.costs.usdPerDay)}/day` },
    }),
    caption:
      'Each miner UID’s earnings per day at the current incentive, highest first; the red line is your costs per day (GPU and other). Bars above it pay for themselves.',
  };
}

/** Renders the report as a standalone HTML page. */
export function renderRoiHtml(report: RoiReport): string {
  const s = report.subnet;
  const c = report.costs;
  const { svg, caption } = chart(report);
  const where =
    s.source === 'chain' ? `block ${s.block}, read from the chain` : 'offline plan (figures given by hand)';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>roadwork roi — subnet ${s.netuid}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head><body>
<h1>roadwork roi — subnet ${s.netuid}</h1>
<div class="meta">${esc(where)}</div>
<div class="verdict ${esc(report.verdict.state)}">${esc(report.verdict.text)}</div>
<p class="meta">${esc(sig(s.minerAlphaPerBlock))} α per block reach miners, ${esc(sig(report.blocksPerDay))} blocks per day; alpha ${esc(sig(s.alphaPriceTao))} TAO; TAO ${esc(c.taoUsd === null ? 'unknown' : `${usd(c.taoUsd)} (${c.taoUsdSource})`)}; registration burn ${esc(s.burnTao === null ? 'unknown' : `${sig(s.burnTao)} TAO`)}; costs ${esc(usd(c.usdPerDay))} per day (GPU ${esc(usd(c.gpuUsdPerHour))}/h, other ${esc(usd(c.otherUsdPerMonth))}/30 days).${s.chain ? `<br>${esc(chainLine(s.chain).trim())}` : ''}</p>
<h2>Earnings</h2>
<table><tr>${HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>
${report.rows.map(rowHtml).join('\n')}</table>
<h2>Incentive distribution</h2>
<figure>${svg}<figcaption>${esc(caption)}</figcaption></figure>
${report.notes.length ? `<h2>Notes</h2><ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
