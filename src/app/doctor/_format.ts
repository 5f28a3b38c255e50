/** The doctor's report as text: one line a check with its mark, the fix indented below it. */
import type { CheckStatus, DoctorReport } from './_types.js';

/** The mark each status prints with. */
export const MARKS: Readonly<Record<CheckStatus, string>> = Object.freeze({
  ok: '✓',
  warn: '!',
  fail: '✗',
  skip: '–',
});

const WIDTH = 'registration'.length;

/** Formats the report for a terminal. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${MARKS[c.status]} ${c.id.padEnd(WIDTH)}  ${c.message}`);
    if (c.fix && c.status !== 'ok') lines.push(`${' '.repeat(WIDTH + 4)}fix: ${c.fix}`);
  }
  const { ok, warn, fail, skip } = report.counts;
  lines.push(
    `${fail} failed, ${warn} warning${warn === 1 ? '' : 's'}, ${ok} passed, ${skip} skipped` +
      (report.ok ? '.' : ': fix the ✗ lines first.'),
  );
  return `${lines.join('\n')}\n`;
}
