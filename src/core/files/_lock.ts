/**
 * A writer's lock file: the first process to create it (O_EXCL) owns it until it releases it or dies.
 * A lock whose process is gone (a crash, `kill -9`) is taken over; one held by a live process is
 * refused with the holder named, so two writers never share an append-only file.
 */
import { hostname } from 'node:os';
import { open, readFile, rm } from 'node:fs/promises';
import { RoadworkError } from '../errors/index.js';

/** What a lock file records about its holder. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly at: string;
}

/** A held lock; `release()` removes the file (once; later calls do nothing). */
export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/** Options of `acquireFileLock`. */
export interface FileLockOptions {
  /** Names what the lock guards in the refusal, e.g. 'embedding cache /data/embeddings/v1'. */
  readonly what: string;
  /** Is process `pid` (on this host) alive? Default: `process.kill(pid, 0)`. */
  readonly alive?: (pid: number) => boolean;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const h = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' && typeof h.host === 'string' ? (h as Holder) : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // A torn or foreign file: treat as abandoned (its writer died mid-write).
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

/**
 * Creates `path` holding this process's pid. Throws `ERR_LOCK_HELD` when another live process on this
 * host holds it (or any process on another host: its liveness cannot be checked from here). The same
 * process may take its own lock again (it re-enters; one release frees it).
 */
export async function acquireFileLock(path: string, options: FileLockOptions): Promise<FileLock> {
  const alive = options.alive ?? processAlive;
  const me: Holder = { pid: process.pid, host: hostname(), at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(me));
      } finally {
        await handle.close();
      }
      return held(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(path);
    if (holder !== undefined && holder.host === me.host && holder.pid === me.pid) return held(path);
    if (holder !== undefined && (holder.host !== me.host || alive(holder.pid))) {
      throw new RoadworkError(
        'ERR_LOCK_HELD',
        `The ${options.what} is being written by process ${holder.pid} on ${holder.host} (since ${holder.at}). ` +
          `Wait for it to finish or use another folder; if that process is gone, delete ${path}.`,
      );
    }
    // Abandoned: its holder died. Remove it and try again (another process may win the race).
    await rm(path, { force: true });
  }
  throw new RoadworkError(
    'ERR_LOCK_HELD',
    `The ${options.what} lock ${path} kept changing hands; try again.`,
  );
}

function held(path: string): FileLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      await rm(path, { force: true });
    },
  };
}
