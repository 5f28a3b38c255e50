/** `~` in settings that name folders, expanded as the miner expands it. */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Expands a leading `~` to the home folder. */
export function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}
