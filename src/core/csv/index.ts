// Writing CSV (RFC 4180): a cell is quoted when it holds a comma, a quote or a line break.

/** One cell: null and undefined are empty; quotes inside a quoted cell are doubled. */
export function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header line and one line per row, each ending in a newline. */
export function csvText(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvCell).join(',')}\n`).join('');
}
