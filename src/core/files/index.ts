/**
 * Files and folders: writing outputs so that an interrupted run never leaves a half-written file or
 * folder under its name, and the paths settings name (`~`, `data_dir`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { RoadworkError } from '../errors/index.js';
import { makeDir } from './_dirs.js';

export { dataPath, expandHome, isOneName } from './_paths.js';
export { makeDir, makeDirSync, type MakeDirOptions } from './_dirs.js';
export { acquireFileLock, type FileLock, type FileLockOptions } from './_lock.js';

function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
}

/**
 * Writes `data` to `file` through a temporary sibling and a rename: readers see the old file or the
 * whole new one, never a torn one. The parent folder is created.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await makeDir(dirname(file));
  const tmp = tempSibling(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Checks now that `file` can be written later: its folder is created, a temporary sibling is written
 * and removed, and `file` is not a folder. A command that works for minutes before writing its output
 * calls this first, so a typo fails at once (ERR_CONFIG_INVALID naming `flag`) instead of losing the work.
 */
export async function checkWritableFile(file: string, flag: string): Promise<void> {
  const refuse = (why: string, cause?: unknown) =>
    new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid ${flag}: ${file} cannot be written (${why}); give a file path in a writable folder.`,
      cause === undefined ? undefined : { cause },
    );
  const isDir = await stat(file).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (isDir) throw refuse('it is a folder');
  const tmp = tempSibling(file);
  try {
    await makeDir(dirname(file));
    await writeFile(tmp, '');
  } catch (err) {
    throw refuse((err as Error).message, err);
  } finally {
    await rm(tmp, { force: true }).catch(() => undefined);
  }
}

/** Options of `writeDirAtomic`. */
export interface WriteDirOptions {
  /** Names the folder in the refusal when it is not empty (e.g. 'challenge set', 'export'). */
  readonly what: string;
  /** The flag that named the folder, for the fix in the message (e.g. '--out'). */
  readonly flag?: string;
}

/**
 * Fills a new folder and puts it at `dir` in one rename: `fill` writes into a temporary sibling, which
 * becomes `dir` only when it returns, and is removed when it throws. `dir` must be absent or empty (an
 * empty one is replaced); a non-empty one is refused before any work, so nothing stale is mixed in.
 */
export async function writeDirAtomic<T>(
  dir: string,
  fill: (tmp: string) => Promise<T>,
  options: WriteDirOptions,
): Promise<T> {
  const existing = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    if (err.code === 'ENOTDIR') return ['(a file)'];
    throw err;
  });
  if (existing?.[0] === '(a file)')
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The ${options.what} folder is a file, or lies under one: ${dir}. Give a new or empty ${options.flag ?? 'folder'}.`,
    );
  if (existing !== undefined && existing.length > 0) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The ${options.what} folder is not empty: ${dir}. Give a new or empty ${options.flag ?? 'folder'}, or delete it first.`,
    );
  }
  await makeDir(dirname(dir));
  const tmp = tempSibling(dir);
  await mkdir(tmp);
  try {
    const result = await fill(tmp);
    if (existing !== undefined) await rmdir(dir);
    await rename(tmp, dir);
    return result;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
