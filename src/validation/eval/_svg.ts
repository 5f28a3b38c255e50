/** Small inline-SVG charts for the HTML report: no scripts, no external assets, text escaped. */

/** Escapes text for XML/HTML content and attributes. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const W = 420;
const H = 260;
const M = { left: 48, right: 12, top: 14, bottom: 40 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;

function frame(body: string, title: string, xLabel: string, yLabel: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`,
    `<rect x="${M.left}" y="${M.top}" width="${PLOT_W}" height="${PLOT_H}" fill="#fafafa" stroke="#ccc"/>`,
    body,
    `<text x="${M.left + PLOT_W / 2}" y="${H - 6}" text-anchor="middle" class="axis">${esc(xLabel)}</text>`,
    `<text x="12" y="${M.top + PLOT_H / 2}" text-anchor="middle" class="axis" transform="rotate(-90 12 ${M.top + PLOT_H / 2})">${esc(yLabel)}</text>`,
    '</svg>',
  ].join('');
}

function yTicks(max: number, format: (v: number) => string, count = 4): string {
  let out = '';
  for (let k = 0; k <= count; k++) {
    const v = (max * k) / count;
    const y = M.top + PLOT_H - (PLOT_H * k) / count;
    out += `<line x1="${M.left - 4}" x2="${M.left + PLOT_W}" y1="${y}" y2="${y}" stroke="#e4e4e4"/>`;
    out += `<text x="${M.left - 6}" y="${y + 4}" text-anchor="end" class="tick">${esc(format(v))}</text>`;
  }
  return out;
}

/** A reliability diagram: observed positive rate per prediction bin against the diagonal. */
export function reliabilitySvg(
  bins: readonly {
    lo: number;
    hi: number;
    n: number;
    mean_prediction: number | null;
    positive_rate: number | null;
  }[],
): string {
  const x = (v: number) => M.left + v * PLOT_W;
  const y = (v: number) => M.top + PLOT_H - v * PLOT_H;
  let body = yTicks(1, (v) => v.toFixed(2));
  body += `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`;
  body += `<text x="${x(1)}" y="${M.top + PLOT_H + 14}" text-anchor="middle" class="tick">1.0</text>`;
  for (const b of bins) {
    body += `<text x="${x(b.lo)}" y="${M.top + PLOT_H + 14}" text-anchor="middle" class="tick">${b.lo.toFixed(1)}</text>`;
    if (b.n === 0 || b.positive_rate === null || b.mean_prediction === null) continue;
    const top = y(b.positive_rate);
    body += `<rect x="${x(b.lo) + 2}" y="${top}" width="${x(b.hi) - x(b.lo) - 4}" height="${y(0) - top}" fill="#4e79a7" opacity="0.35"><title>${b.n} answers, ${(b.positive_rate * 100).toFixed(0)}% roadwork</title></rect>`;
    body += `<circle cx="${x(b.mean_prediction)}" cy="${top}" r="4" fill="#e15759"/>`;
    body += `<text x="${x((b.lo + b.hi) / 2)}" y="${top - 6}" text-anchor="middle" class="tick">${b.n}</text>`;
  }
  return frame(body, 'Reliability diagram', 'predicted p(roadwork)', 'observed roadwork rate');
}

/** A histogram of `values` with marker lines (e.g. percentiles). */
export function histogramSvg(
  values: readonly number[],
  options: { xLabel: string; markers?: Readonly<Record<string, number | null>>; bins?: number },
): string {
  if (values.length === 0) return frame('', 'Histogram', options.xLabel, 'count');
  const bins = options.bins ?? 30;
  const sorted = [...values].sort((a, b) => a - b);
  // Clip at the 99.5th percentile so one 9 s timeout does not squash the rest into one bar.
  const hi =
    Math.max(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.995))] as number, 1e-6) * 1.05;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    const k = Math.min(bins - 1, Math.floor((v / hi) * bins));
    counts[k] = (counts[k] ?? 0) + 1;
  }
  const top = Math.max(...counts);
  const bw = PLOT_W / bins;
  let body = yTicks(top, (v) => String(Math.round(v)));
  counts.forEach((c, k) => {
    const h = (c / top) * PLOT_H;
    body += `<rect x="${M.left + k * bw + 1}" y="${M.top + PLOT_H - h}" width="${bw - 2}" height="${h}" fill="#59a14f"><title>${c}</title></rect>`;
  });
  for (let k = 0; k <= 4; k++) {
    body += `<text x="${M.left + (PLOT_W * k) / 4}" y="${M.top + PLOT_H + 14}" text-anchor="middle" class="tick">${((hi * k) / 4).toFixed(0)}</text>`;
  }
  for (const [name, v] of Object.entries(options.markers ?? {})) {
    if (v === null || v > hi) continue;
    const mx = M.left + (v / hi) * PLOT_W;
    body += `<line x1="${mx}" x2="${mx}" y1="${M.top}" y2="${M.top + PLOT_H}" stroke="#e15759" stroke-dasharray="3 2"/>`;
    body += `<text x="${mx + 3}" y="${M.top + 12}" class="tick" fill="#e15759">${esc(name)}</text>`;
  }
  return frame(body, 'Histogram', options.xLabel, 'count');
}

/** Grouped bars in [0, 1]: one group per category, one bar per series. */
export function groupedBarsSvg(
  categories: readonly string[],
  series: readonly { name: string; colour: string; values: readonly number[] }[],
  options: { xLabel: string; yLabel: string },
): string {
  const gw = PLOT_W / Math.max(1, categories.length);
  const bw = (gw - 12) / Math.max(1, series.length);
  let body = yTicks(1, (v) => v.toFixed(2));
  categories.forEach((cat, g) => {
    series.forEach((s, k) => {
      const v = Math.max(0, Math.min(1, s.values[g] ?? 0));
      const h = v * PLOT_H;
      body += `<rect x="${M.left + g * gw + 6 + k * bw}" y="${M.top + PLOT_H - h}" width="${bw - 2}" height="${h}" fill="${s.colour}"><title>${esc(s.name)} ${v.toFixed(3)}</title></rect>`;
    });
    body += `<text x="${M.left + g * gw + gw / 2}" y="${M.top + PLOT_H + 14}" text-anchor="middle" class="tick">${esc(cat)}</text>`;
  });
  series.forEach((s, k) => {
    body += `<rect x="${M.left + 8 + k * 90}" y="${M.top + 6}" width="10" height="10" fill="${s.colour}"/><text x="${M.left + 22 + k * 90}" y="${M.top + 15}" class="tick">${esc(s.name)}</text>`;
  });
  return frame(body, options.yLabel, options.xLabel, options.yLabel);
}

/** A funnel: horizontal bars of how many reached each stage, the exits marked inside. */
export function funnelSvg(stages: readonly { name: string; reached: number; exits: number }[]): string {
  const top = Math.max(1, ...stages.map((s) => s.reached));
  const rowH = PLOT_H / Math.max(1, stages.length);
  let body = '';
  stages.forEach((s, k) => {
    const y = M.top + k * rowH + 4;
    const w = (s.reached / top) * PLOT_W;
    const e = (s.exits / top) * PLOT_W;
    body += `<rect x="${M.left}" y="${y}" width="${w}" height="${rowH - 8}" fill="#76b7b2"/>`;
    body += `<rect x="${M.left}" y="${y}" width="${e}" height="${rowH - 8}" fill="#f28e2b"/>`;
    body += `<text x="${M.left + 4}" y="${y + rowH / 2}" class="tick">${esc(s.name)}: ${s.reached} reached, ${s.exits} exited</text>`;
  });
  return frame(body, 'Stage exit funnel', 'challenges', 'stage');
}

/**
 * Bars of `values` in the given order (e.g. each miner's earnings, highest first) with an optional
 * horizontal line across them (e.g. the break-even cost) drawn and labelled in red.
 */
export function rankedBarsSvg(
  values: readonly number[],
  options: {
    xLabel: string;
    yLabel: string;
    line?: { value: number; label: string };
    format?: (v: number) => string;
  },
): string {
  const format = options.format ?? ((v: number) => v.toPrecision(3));
  const top = Math.max(1e-12, ...values, options.line?.value ?? 0) * 1.05;
  const bw = PLOT_W / Math.max(1, values.length);
  const y = (v: number) => M.top + PLOT_H - (Math.max(0, v) / top) * PLOT_H;
  let body = yTicks(top, format);
  values.forEach((v, k) => {
    body += `<rect x="${M.left + k * bw + bw * 0.1}" y="${y(v)}" width="${bw * 0.8}" height="${M.top + PLOT_H - y(v)}" fill="#4e79a7"><title>${k + 1}: ${esc(format(v))}</title></rect>`;
  });
  for (const k of [1, Math.ceil(values.length / 2), values.length]) {
    if (values.length === 0) break;
    body += `<text x="${M.left + (k - 0.5) * bw}" y="${M.top + PLOT_H + 14}" text-anchor="middle" class="tick">${k}</text>`;
  }
  if (options.line) {
    const ly = y(options.line.value);
    body += `<line x1="${M.left}" x2="${M.left + PLOT_W}" y1="${ly}" y2="${ly}" stroke="#e15759" stroke-width="2" class="break-even"/>`;
    body += `<text x="${M.left + PLOT_W - 4}" y="${ly - 5}" text-anchor="end" class="tick" fill="#e15759">${esc(options.line.label)}</text>`;
  }
  return frame(body, options.yLabel, options.xLabel, options.yLabel);
}
