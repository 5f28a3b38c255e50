/** `roadwork queries hard` and `roadwork queries similar`: hard-case mining from the command line. */
import type { HardCase, QueryStats, SimilarQuery } from '../../lifecycle/querylog/index.js';

const LABELS = { 0: 'not', 1: 'roadwork' } as const;

/**
 * The hard cases as `roadwork queries hard` prints them: one line per case, one per further reason. With
 * none, `log` (the log's counts) says why: nothing logged, everything labelled, or nothing uncertain.
 */
export function formatHardCases(
  cases: readonly HardCase[],
  log?: Pick<QueryStats, 'logged' | 'byLabel'>,
): string {
  if (cases.length === 0) {
    if (log?.logged === 0)
      return 'The query log is empty: no answered request has been logged yet (roadwork serve logs them with querylog.enabled).\n';
    if (log !== undefined && (log.byLabel.unlabelled ?? 0) === 0)
      return `Every request is labelled (${log.logged} requests): there is nothing left to rank.\n`;
    return 'No hard cases: every unlabelled image is confident, its stages agree, and its cluster holds no mistakes.\n';
  }
  const head = `${'id'.padStart(8)}  ${'prediction'.padStart(10)}  ${'score'.padStart(5)}  ${'dups'.padStart(4)}  reasons\n`;
  const pad = ' '.repeat(8 + 2 + 10 + 2 + 5 + 2 + 4 + 2);
  const lines = cases.map((c) => {
    const [first, ...rest] = c.reasons.map((r) => `${r.kind} (${r.weight.toFixed(2)}): ${r.detail}`);
    return (
      `${String(c.id).padStart(8)}  ${c.prediction.toFixed(3).padStart(10)}  ${c.score.toFixed(2).padStart(5)}  ${String(c.duplicates).padStart(4)}  ${first}\n` +
      rest.map((r) => `${pad}${r}\n`).join('')
    );
  });
  return head + lines.join('');
}

/** The neighbours as `roadwork queries similar` prints them, nearest first. */
export function formatSimilar(id: number, near: readonly SimilarQuery[]): string {
  if (near.length === 0) return `No other image with an embedding to compare with request ${id}.\n`;
  const head = `${'id'.padStart(8)}  ${'distance'.padStart(8)}  ${'label'.padEnd(9)}  prediction  sha256\n`;
  return (
    head +
    near
      .map(
        (n) =>
          `${String(n.id).padStart(8)}  ${n.distance.toFixed(4).padStart(8)}  ${(n.label === null ? '-' : LABELS[n.label]).padEnd(9)}  ${n.prediction.toFixed(3).padStart(10)}  ${n.sha256.slice(0, 12)}\n`,
      )
      .join('')
  );
}
