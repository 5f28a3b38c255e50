// The terminal form of a dataset check report (the JSON form is the report object itself).
import type { DataReport } from './_datasets.js';

const SHOWN = 10;

/** A few lines a person can read: counts, then the first problems of each kind. */
export function formatReport(report: DataReport): string {
  const lines = [
    `${report.created ? 'Stored' : 'Already stored'} dataset ${report.version} (${report.name}) from ${report.source}`,
    `  scanned ${report.scanned}, kept ${report.positives + report.negatives} (${report.positives} roadwork, ${report.negatives} not), left out ${report.rejected.length}`,
  ];
  const byReason = new Map<string, number>();
  for (const r of report.rejected) byReason.set(r.reason, (byReason.get(r.reason) ?? 0) + 1);
  if (byReason.size > 0) {
    lines.push(`  left out: ${[...byReason].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    for (const r of report.rejected.slice(0, SHOWN))
      lines.push(`    ${r.reason.padEnd(9)} ${r.id}: ${r.detail}`);
    if (report.rejected.length > SHOWN)
      lines.push(`    ... ${report.rejected.length - SHOWN} more (see --report)`);
  }
  const near = report.nearDuplicates;
  if (near.length > 0) {
    const conflicts = near.filter((d) => !d.sameLabel).length;
    lines.push(
      `  near duplicates kept: ${near.length} (pHash distance ≤ ${report.checks.hamming}), ${conflicts} with the other label`,
    );
    for (const d of near.slice(0, SHOWN))
      lines.push(`    ${d.sameLabel ? 'same ' : 'LABEL'} ${d.id} ~ ${d.of} (distance ${d.distance})`);
    if (near.length > SHOWN) lines.push(`    ... ${near.length - SHOWN} more (see --report)`);
    lines.push('  Near duplicates in different groups can leak between training and validation splits.');
  }
  return `${lines.join('\n')}\n`;
}
