// Retention: the oldest requests go first, by age, count and image bytes; then images no request
// refers to, rows before files. Runs in short transactions under the writer's lock.
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { AsyncQueries, AsyncStore } from '../../core/store/index.js';
import { emptyTrash, moveToTrash, recoverTrash } from './_trash.js';
import { WRITE_LOCK } from './_schema.js';

/** The limits; 0 turns one off. */
export interface RetentionLimits {
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
}

/** What a prune removed. */
export interface PruneResult {
  readonly queries: number;
  readonly images: number;
  readonly bytes: number;
  /** With `sweep`: files under the images folder that no row named (left by a kill), removed. */
  readonly orphans: number;
}

// Rows deleted per transaction: short enough that the miner's writer never waits long for the lock.
const CHUNK = 500;

/**
 * Applies `limits` at `nowMs`. With `sweep`, also removes files no row names that are older than an
 * hour (a kill between a file and its row leaves one; younger ones may be a writer's in progress).
 */
export async function pruneQueries(
  store: AsyncStore,
  imagesDir: string,
  options: RetentionLimits & { readonly nowMs: number; readonly sweep?: boolean },
): Promise<PruneResult> {
  // What a killed prune left half done comes first.
  await recoverTrash(store, imagesDir);
  let queries = 0;
  let images = 0;
  let bytes = 0;
  const chunk = async (select: (q: AsyncQueries) => Promise<Doomed[]>): Promise<number> => {
    const removed = await store
      .transaction(
        async (tx) => {
          const doomed = await select(tx);
          if (doomed.length === 0) return { n: 0, gone: [] as Gone[], trash: [] as string[] };
          const ids = doomed.map((d) => Number(d.id));
          await tx.run(`DELETE FROM queries WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
          const dropped = await dropUnreferenced(tx, imagesDir, [
            ...new Set(doomed.map((d) => d.image_sha256)),
          ]);
          return { n: ids.length, ...dropped };
        },
        { lock: WRITE_LOCK },
      )
      .catch(async (err: unknown) => {
        // Rolled back: files moved to the trash belong to rows that are back.
        await recoverTrash(store, imagesDir).catch(() => undefined);
        throw err;
      });
    await emptyTrash(removed.trash);
    queries += removed.n;
    images += removed.gone.length;
    bytes += removed.gone.reduce((s, g) => s + Number(g.bytes), 0);
    return removed.n;
  };
  if (options.maxAgeMs > 0) {
    const before = options.nowMs - options.maxAgeMs;
    const old = (q: AsyncQueries): Promise<Doomed[]> =>
      q.all<Doomed>('SELECT id, image_sha256 FROM queries WHERE received_at < ? ORDER BY id LIMIT ?', [
        before,
        CHUNK,
      ]);
    while ((await chunk(old)) === CHUNK);
  }
  if (options.maxEntries > 0) {
    for (;;) {
      const n = (await store.get<{ n: number }>('SELECT count(*) AS n FROM queries'))?.n ?? 0;
      const excess = Number(n) - options.maxEntries;
      if (excess <= 0) break;
      await chunk((q) =>
        q.all<Doomed>('SELECT id, image_sha256 FROM queries ORDER BY id LIMIT ?', [Math.min(excess, CHUNK)]),
      );
    }
  }
  if (options.maxBytes > 0) {
    for (;;) {
      const total =
        (await store.get<{ b: number | null }>('SELECT sum(bytes) AS b FROM query_images'))?.b ?? 0;
      if (Number(total) <= options.maxBytes) break;
      // The oldest requests until their images free enough: a request shares its image with others,
      // so a chunk may free nothing, and the next one goes on. Images no request names go below.
      const oldest = (q: AsyncQueries): Promise<Doomed[]> =>
        q.all<Doomed>('SELECT id, image_sha256 FROM queries ORDER BY id LIMIT ?', [CHUNK / 10]);
      if ((await chunk(oldest)) === 0) break;
    }
  }
  let orphans = 0;
  if (options.sweep) {
    // Images no request names (rows removed by hand, a kill mid-prune): a whole-table scan, so only
    // on demand (`roadwork queries prune`), never on the miner's timer.
    const stray = await store.transaction((tx) => dropUnreferenced(tx, imagesDir), { lock: WRITE_LOCK });
    await emptyTrash(stray.trash);
    images += stray.gone.length;
    bytes += stray.gone.reduce((s, g) => s + Number(g.bytes), 0);
    orphans = await sweepOrphans(store, imagesDir, options.nowMs);
  }
  return { queries, images, bytes, orphans };
}

interface Gone {
  sha256: string;
  ext: string;
  bytes: number;
}

interface Doomed {
  id: number;
  image_sha256: string;
}

// Deletes image rows no request names (among `shas`, or all) and moves their files to the trash,
// under the lock: the writer checks each file under the same lock before a row names it, and the
// trash is emptied only after the commit, so no request row ever names a missing file (`_trash.ts`).
async function dropUnreferenced(
  tx: AsyncQueries,
  imagesDir: string,
  shas?: readonly string[],
): Promise<{ gone: Gone[]; trash: string[] }> {
  if (shas !== undefined && shas.length === 0) return { gone: [], trash: [] };
  const among = shas === undefined ? '' : `sha256 IN (${shas.map(() => '?').join(', ')}) AND `;
  const gone = await tx.all<Gone>(
    `DELETE FROM query_images WHERE ${among}NOT EXISTS (SELECT 1 FROM queries q WHERE q.image_sha256 = query_images.sha256)
     RETURNING sha256, ext, bytes`,
    shas ?? [],
  );
  return { gone, trash: await moveToTrash(imagesDir, gone) };
}

const HOUR_MS = 3_600_000;

// Candidates are listed without the lock; each is checked and removed under it, so a writer that
// finds a file and then names it in a row never loses it in between.
async function sweepOrphans(store: AsyncStore, imagesDir: string, nowMs: number): Promise<number> {
  const candidates: { path: string; sha?: string }[] = [];
  const shards = await readdir(imagesDir).catch(() => [] as string[]);
  for (const shard of shards) {
    if (!/^[0-9a-f]{2}$/.test(shard)) continue;
    for (const name of await readdir(join(imagesDir, shard)).catch(() => [] as string[])) {
      const path = join(imagesDir, shard, name);
      const info = await stat(path).catch(() => undefined);
      if (info === undefined || nowMs - info.mtimeMs < HOUR_MS) continue;
      const sha = /^([0-9a-f]{64})\.\w+$/.exec(name)?.[1];
      candidates.push(sha === undefined ? { path } : { path, sha });
    }
  }
  let removed = 0;
  for (let i = 0; i < candidates.length; i += 500) {
    const part = candidates.slice(i, i + 500);
    const shas = part.flatMap((c) => (c.sha === undefined ? [] : [c.sha]));
    removed += await store.transaction(
      async (tx) => {
        const known = new Set(
          shas.length === 0
            ? []
            : (
                await tx.all<{ sha256: string }>(
                  `SELECT sha256 FROM query_images WHERE sha256 IN (${shas.map(() => '?').join(', ')})`,
                  shas,
                )
              ).map((r) => r.sha256),
        );
        const orphans = part.filter((c) => c.sha === undefined || !known.has(c.sha));
        await Promise.all(orphans.map((c) => unlink(c.path).catch(() => undefined)));
        return orphans.length;
      },
      { lock: WRITE_LOCK },
    );
  }
  return removed;
}
