/** Making a folder and its missing parents (`mkdir -p`) in a bounded number of steps. */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Options of `makeDir` and `makeDirSync`. */
export interface MakeDirOptions {
  /** Mode of the folders made, before the umask; default 0o777. */
  readonly mode?: number;
}

// The folders of `dir` that do not exist yet, outermost first. Node's own recursive mkdir never ends
// where the kernel answers ENOENT for a new folder whose parent exists (`/proc/x`: it climbs to /proc,
// finds it, and tries again, for ever); here the parents are found by a stat per path part, and each is
// made once, so such a place fails at once with the kernel's ENOENT. Synchronous for both makers: in
// the usual case it is one stat of a folder that exists.
function missingFolders(dir: string): string[] {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    const info = statSync(at, { throwIfNoEntry: false });
    if (info === undefined && dirname(at) !== at) {
      missing.push(at);
      continue;
    }
    // Not a folder (a file on the way): the file system's own ENOTDIR names it.
    if (info?.isDirectory() !== true) readdirSync(at);
    return missing.reverse();
  }
}

// Another process may make the same folder between the stat and the mkdir.
function existsOk(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EEXIST') throw err;
}

/**
 * Creates `dir` and its missing parents. Fails with the file system's error (ENOENT, EACCES, EROFS,
 * ENOTDIR when a part is a file), naming the path, instead of hanging where Node's
 * `mkdir({ recursive: true })` does (under /proc).
 */
export async function makeDir(dir: string, options: MakeDirOptions = {}): Promise<void> {
  for (const folder of missingFolders(dir)) await mkdir(folder, { mode: options.mode }).catch(existsOk);
}

/** `makeDir`, synchronously. */
export function makeDirSync(dir: string, options: MakeDirOptions = {}): void {
  for (const folder of missingFolders(dir)) {
    try {
      mkdirSync(folder, { mode: options.mode });
    } catch (err) {
      existsOk(err as NodeJS.ErrnoException);
    }
  }
}
