// Image files leave in two steps: renamed into `.trash/` inside the pruning transaction, unlinked after
// it commits. A kill before the commit rolls the rows back, and `recoverTrash` then puts the files back;
// a kill after it leaves only trash, which `recoverTrash` empties. Either way no row names a missing file.
import { randomBytes } from 'node:crypto';
import { readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { AsyncStore } from '../../core/store/index.js';
import { makeDir } from '../../core/files/index.js';
import { imagePath } from './_images.js';
import { WRITE_LOCK } from './_schema.js';

function trashDir(imagesDir: string): string {
  return join(imagesDir, '.trash');
}

/** Moves the images' files into the trash (a file already gone is skipped); resolves with the trash paths. */
export async function moveToTrash(
  imagesDir: string,
  images: readonly { readonly sha256: string; readonly ext: string }[],
): Promise<string[]> {
  if (images.length === 0) return [];
  await makeDir(trashDir(imagesDir));
  const moved = await Promise.all(
    images.map(async (i) => {
      const to = join(trashDir(imagesDir), `${i.sha256}.${i.ext}.${randomBytes(4).toString('hex')}`);
      return rename(imagePath(imagesDir, i.sha256, i.ext), to).then(
        () => to,
        () => undefined,
      );
    }),
  );
  return moved.filter((p) => p !== undefined);
}

/** Unlinks trash files (once the transaction that moved them committed). */
export async function emptyTrash(paths: readonly string[]): Promise<void> {
  await Promise.all(paths.map((p) => unlink(p).catch(() => undefined)));
}

/**
 * Settles what a killed prune left in the trash, under the write lock: a file whose image row exists
 * (its transaction rolled back) goes back in place, unless the writer already put it back; the rest
 * are unlinked. Resolves with how many were restored.
 */
export async function recoverTrash(store: AsyncStore, imagesDir: string): Promise<number> {
  const names = await readdir(trashDir(imagesDir)).catch(() => [] as string[]);
  if (names.length === 0) return 0;
  return store.transaction(
    async (tx) => {
      let restored = 0;
      for (const name of await readdir(trashDir(imagesDir)).catch(() => [] as string[])) {
        const m = /^([0-9a-f]{64})\.(\w+)\.[0-9a-f]+$/.exec(name);
        const path = join(trashDir(imagesDir), name);
        const row =
          m === null ? undefined : await tx.get('SELECT 1 AS one FROM query_images WHERE sha256 = ?', [m[1]]);
        const home = m === null ? undefined : imagePath(imagesDir, m[1]!, m[2]!);
        if (row !== undefined && home !== undefined) {
          const back = await rename(path, home).then(
            () => true,
            () => false,
          );
          if (back) restored++;
          continue;
        }
        await unlink(path).catch(() => undefined);
      }
      return restored;
    },
    { lock: WRITE_LOCK },
  );
}
