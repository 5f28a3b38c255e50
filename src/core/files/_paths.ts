/** Path helpers for settings that name files and folders (`~` as Bittensor expands it, `data_dir` parts). */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Whether `name` is one file or folder name: not empty, no `/`, `\` or NUL, not `.` or `..`. */
export function isOneName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

/** Expands a leading `~` to the home directory, as Bittensor does for wallet paths. */
export function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/**
 * A path under a settings folder (`data_dir`, `models.cache_dir`), `~` expanded: the one way every
 * command turns `data_dir` into the places it keeps state, so `--data_dir` moves all of them.
 */
export function dataPath(dir: string, ...parts: string[]): string {
  return join(expandHome(dir), ...parts);
}
