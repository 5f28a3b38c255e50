/** Path helpers for settings that name files. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Expands a leading `~` to the home directory, as Bittensor does for wallet paths. */
export function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}
