// Labels, keyed by the image's sha256: every request that sent the same bytes shares one label.
import { createHash } from 'node:crypto';
import type { AsyncStore } from '../../core/store/index.js';
import { countLabelChange } from './_version.js';

/** Who gave a label: a person (`operator`), or the local validator that made the challenge (`eval`). */
export type LabelSource = 'operator' | 'eval';

/** One label. */
export interface Label {
  readonly sha256: string;
  readonly label: 0 | 1;
  readonly source: LabelSource;
  /** ms since epoch. */
  readonly at: number;
  /** The operator's name, or the eval's validator hotkey. */
  readonly by: string;
}

/** The sha256 of a base64 image's bytes: the key the query log stores it under. */
export function imageKey(base64: string): string {
  return createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');
}

/**
 * Records labels. A later label replaces an earlier one, except that an eval never overrides an
 * operator: a person's judgement of an image outranks the generator's tag.
 */
export async function recordLabels(store: AsyncStore, labels: readonly Label[]): Promise<void> {
  if (labels.length === 0) return;
  await store.transaction(async (tx) => {
    for (let i = 0; i < labels.length; i += 200) {
      const part = labels.slice(i, i + 200);
      await tx.run(
        `INSERT INTO labels (sha256, label, source, at, by_whom) VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (sha256) DO UPDATE SET label = excluded.label, source = excluded.source, at = excluded.at, by_whom = excluded.by_whom
         WHERE labels.source <> 'operator' OR excluded.source = 'operator'`,
        part.flatMap((l) => [l.sha256, l.label, l.source, l.at, l.by]),
      );
    }
    await countLabelChange(tx);
  });
}

/** Every labelled image's label, by sha256: one read, for views that re-label what they keep. */
export async function readLabels(store: AsyncStore): Promise<Map<string, 0 | 1>> {
  const rows = await store.all<{ sha256: string; label: number }>('SELECT sha256, label FROM labels');
  return new Map(rows.map((l) => [l.sha256, Number(l.label) === 1 ? (1 as const) : (0 as const)]));
}

/** The label of an image, if any. */
export async function labelOf(store: AsyncStore, sha256: string): Promise<Label | undefined> {
  const row = await store.get<{
    sha256: string;
    label: number;
    source: LabelSource;
    at: number;
    by_whom: string;
  }>('SELECT sha256, label, source, at, by_whom FROM labels WHERE sha256 = ?', [sha256]);
  return row === undefined
    ? undefined
    : {
        sha256: row.sha256,
        label: row.label === 1 ? 1 : 0,
        source: row.source,
        at: Number(row.at),
        by: row.by_whom,
      };
}

/**
 * Puts an image's label back as it was before an operator's label: `previous` again, or no label when
 * it had none (the web app's undo). Unlike `recordLabels`, an operator's label may be replaced here by
 * an eval's, since that is the state being restored.
 */
export async function restoreLabel(
  store: AsyncStore,
  sha256: string,
  previous: Label | undefined,
): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.run('DELETE FROM labels WHERE sha256 = ?', [sha256]);
    if (previous !== undefined)
      await tx.run('INSERT INTO labels (sha256, label, source, at, by_whom) VALUES (?, ?, ?, ?, ?)', [
        sha256,
        previous.label,
        previous.source,
        previous.at,
        previous.by,
      ]);
    await countLabelChange(tx);
  });
}
