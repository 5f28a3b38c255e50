/** Eval for people: a progress bar with a live score while it runs, and a table by level and group. */
import { windowMetrics } from '../validator/index.js';
import {
  latencySummary,
  sliceRows,
  type EvalRecord,
  type EvalSummary,
  type MetricBlock,
} from './_summary.js';

/** A stream that may be a terminal. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** Options of `Progress`. */
export interface ProgressOptions {
  /** Challenges expected, for the bar; with only a duration the bar follows time. */
  readonly total?: number;
  readonly durationMs?: number;
  /** Redraws per second on a terminal; lines every `lineEveryMs` otherwise (default 5000). */
  readonly lineEveryMs?: number;
}

/**
 * One live line on stderr. On a terminal it redraws in place (at most 10 times a second); otherwise
 * it prints a plain line every few seconds, so logs and CI output are not flooded with `\r`.
 */
export class Progress {
  readonly #out: OutputStream;
  readonly #o: ProgressOptions;
  readonly #startedMs = performance.now();
  #lastDrawMs = -Infinity;

  constructor(out: OutputStream, options: ProgressOptions = {}) {
    this.#out = out;
    this.#o = options;
  }

  /** Redraws when it is time to. */
  update(records: readonly EvalRecord[]): void {
    const now = performance.now();
    const every = this.#out.isTTY ? 100 : (this.#o.lineEveryMs ?? 5000);
    if (now - this.#lastDrawMs < every) return;
    this.#lastDrawMs = now;
    this.#draw(records);
  }

  /** Draws the final state and ends the line. */
  finish(records: readonly EvalRecord[]): void {
    this.#draw(records);
    if (this.#out.isTTY) this.#out.write('\n');
  }

  #draw(records: readonly EvalRecord[]): void {
    const elapsedMs = performance.now() - this.#startedMs;
    const fraction = this.#o.total
      ? records.length / this.#o.total
      : this.#o.durationMs
        ? elapsedMs / this.#o.durationMs
        : 0;
    const line = `${bar(Math.min(1, fraction))} ${liveLine(records, elapsedMs, this.#o.total)}`;
    if (this.#out.isTTY) this.#out.write(`\r\x1b[2K${line}`);
    else this.#out.write(`${line}\n`);
  }
}

function bar(fraction: number, width = 20): string {
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.round(fraction * 100)).padStart(3)}%`;
}

/** `n/N  MCC  acc  errors  p50  rate`, from the records so far. */
export function liveLine(records: readonly EvalRecord[], elapsedMs: number, total?: number): string {
  const { mcc, accuracy } = windowMetrics(records, records.length);
  const errors = records.filter((r) => r.prediction === -1).length;
  const tail = records.slice(-500).filter((r) => r.status === 200);
  const { p50 } = latencySummary(tail.map((r) => r.latency_ms));
  const rate = records.length / Math.max(elapsedMs / 1000, 1e-3);
  return [
    `${records.length}${total ? `/${total}` : ''}`,
    `MCC ${mcc.toFixed(3)}`,
    `acc ${accuracy.toFixed(3)}`,
    `errors ${errors}`,
    `p50 ${p50 === null ? '—' : `${p50.toFixed(1)} ms`}`,
    `${rate.toFixed(1)}/s`,
  ].join('  ');
}

/** The final table: overall, each level or origin, each group. */
export function summaryTable(summary: EvalSummary): string {
  const header = ['', 'n', 'MCC', 'acc', 'reward_ema', 'errors', 'p50 ms', 'p95 ms', 'p99 ms'];
  const levels = sliceRows(summary).map(([name, block]) => row(name, block));
  const groups = Object.entries(summary.groups).map(([group, block]) => row(group, block));
  const rows: string[][] = [row('all', summary), ...levels, ...groups];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const fmt = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join('  ');
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  return [
    fmt(header),
    rule,
    fmt(rows[0] as string[]),
    rule,
    ...levels.map(fmt),
    rule,
    ...groups.map(fmt),
    ...refusalLines(summary),
    '',
  ].join('\n');
}

/** Below the table: each kind of refusal or failure, most frequent first, with the axon's message. */
function refusalLines(summary: EvalSummary): string[] {
  const kinds = Object.values(summary.refusals ?? {}).sort((a, b) => b.n - a.n);
  if (kinds.length === 0) return [];
  return [
    '',
    'Without an answer:',
    ...kinds.map(
      (r) =>
        `  ${String(r.n).padStart(6)}× ${r.status}${r.code ? ` ${r.code}` : ''}${r.reason ? `  ${r.reason.slice(0, 160)}` : ''}`,
    ),
  ];
}

function row(name: string, b: MetricBlock): string[] {
  const ms = (x: number | null) => (x === null ? '—' : x.toFixed(1));
  return [
    name,
    String(b.n),
    b.mcc.toFixed(3),
    b.accuracy.toFixed(3),
    b.reward_ema.toFixed(4),
    String(b.errors),
    ms(b.latency_ms.p50),
    ms(b.latency_ms.p95),
    ms(b.latency_ms.p99),
  ];
}
