/** `roadwork roi` as text for a terminal: the verdict, where each figure came from, one row per position. */
import type { Amounts, ChainReadings, RoiReport, RoiRow } from './types.js';

/** A number with `digits` significant digits, without exponent for everyday sizes. */
export function sig(x: number, digits = 4): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e-4 && abs < 1e9) return Number(x.toPrecision(digits)).toString();
  return x.toExponential(digits - 1);
}

/** USD with cents, or — when unknown. */
export function usd(x: number | null): string {
  if (x === null) return '—';
  return `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`;
}

function pct(x: number): string {
  return Number.isNaN(x) ? '—' : `${(x * 100).toFixed(2)} %`;
}

function amountsCells(a: Amounts): string[] {
  return [sig(a.alpha), sig(a.tao), usd(a.usd)];
}

/** The column heads of the rows, in the terminal and the HTML page. */
export const HEAD = [
  'position',
  'uid',
  'rank',
  'share',
  'α/day',
  'TAO/day',
  'USD/day',
  'α/30 d',
  'TAO/30 d',
  'USD/30 d',
  'profit/day',
  'break-even GPU $/h',
];

/** One row's cells, formatted. */
export function cells(r: RoiRow): string[] {
  return [
    r.name,
    r.uid === null ? '—' : String(r.uid),
    r.rank === null ? '—' : String(r.rank),
    pct(r.share),
    ...amountsCells(r.perDay),
    ...amountsCells(r.per30Days),
    usd(r.profitUsdPerDay),
    r.breakEvenGpuUsdPerHour === null
      ? '—'
      : r.breakEvenGpuUsdPerHour <= 0
        ? 'none'
        : usd(r.breakEvenGpuUsdPerHour),
  ];
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  '),
    )
    .join('\n');
}

/** Where the miner emission comes from, in the chain's own terms. */
export function chainLine(c: ChainReadings): string {
  return (
    `  (PendingServerEmission ${sig(c.pendingServerAlpha)} α over BlocksSinceLastStep ${c.blocksSinceLastStep}; ` +
    `the subnet emits ${sig(c.alphaOutPerBlock)} α per block, owner cut ${(c.ownerCut * 100).toFixed(1)} %; ` +
    `pool ${sig(c.poolTao)} TAO / ${sig(c.poolAlpha)} α)`
  );
}

/** The report as lines for a terminal. */
export function formatRoi(report: RoiReport): string {
  const s = report.subnet;
  const where = s.source === 'chain' ? `block ${s.block} (chain)` : 'offline plan';
  const c = report.costs;
  const lines = [
    `roadwork roi: subnet ${s.netuid}, ${where}`,
    '',
    report.verdict.text,
    '',
    `Miner emission: ${sig(s.minerAlphaPerBlock)} α per block, ${sig(report.blocksPerDay)} blocks per day (${s.blockSeconds} s each); ${report.distribution.length} miner UIDs share it by incentive.`,
    ...(s.chain ? [chainLine(s.chain)] : []),
    `Alpha price: ${sig(s.alphaPriceTao)} TAO. TAO price: ${c.taoUsd === null ? 'unknown (give --roi.tao_usd or set roi.price_feed_url)' : `${usd(c.taoUsd)} (${c.taoUsdSource})`}.`,
    `Registration burn: ${s.burnTao === null ? 'unknown offline (--burn)' : `${sig(s.burnTao)} TAO${c.taoUsd === null ? '' : ` = ${usd(s.burnTao * c.taoUsd)}`}`}.`,
    `Costs: GPU ${usd(c.gpuUsdPerHour)}/h, other ${usd(c.otherUsdPerMonth)}/30 days: ${usd(c.usdPerDay)} per day.`,
    '',
    table([HEAD, ...report.rows.map(cells)]),
  ];
  if (report.notes.length > 0) lines.push('', ...report.notes.map((n) => `note: ${n}`));
  return `${lines.join('\n')}\n`;
}
