/**
 * Older versions kept all state in `.data` under the current folder. That folder is never read
 * nor moved now; while `data_dir` is the default and one is found, a warning names both places and
 * the command that moves it.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The folder older versions used, relative to the folder they ran in. */
const LEGACY_DATA_DIR = '.data';

/** What only roadwork puts in its data folder: one of these makes `.data` roadwork's. */
const MARKERS = ['roadwork.sqlite', 'wallets', 'embeddings', 'models', 'bundles', 'local-metagraph.json'];

/**
 * The warning for `<cwd>/.data` holding roadwork state while `dataDir` (the default, as `defaulted`
 * says) is elsewhere; undefined when there is nothing to say. A `data_dir` set on purpose is never
 * second-guessed.
 */
export function legacyDataDirWarning(dataDir: string, defaulted: boolean, cwd: string): string | undefined {
  if (!defaulted) return undefined;
  const legacy = resolve(cwd, LEGACY_DATA_DIR);
  if (legacy === resolve(dataDir) || !MARKERS.some((m) => existsSync(join(legacy, m)))) return undefined;
  const move = existsSync(dataDir)
    ? `both exist: merge by hand, or keep using the old one with --data_dir ${legacy}`
    : `to move it: mv ${quote(legacy)} ${quote(dataDir)} (or keep it where it is: --data_dir ${quote(legacy)}, or ROADWORK_DATA_DIR)`;
  return `${legacy} holds state of an older roadwork (registry, wallets, caches), which is not read: data_dir is now ${dataDir}; ${move}`;
}

function quote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`;
}
