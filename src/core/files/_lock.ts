/**
 * A writer's lock file: the first process to create it (O_EXCL) owns it until it releases it or dies.
 * A lock whose process is gone (a crash, `kill -9`) is taken over; one held by a live process is
 * refused with the holder named, so two writers never share an append-only file.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { open, readFile, rm } from 'node:fs/promises';
import { RoadworkError } from '../errors/index.js';

/**
 * The lock files this process holds now. A lock file naming this process's pid that is not in here
 * was left by an earlier process that had the same pid (a container's pid 1 after a crash), and is
 * taken over; one that is in here belongs to another writer in this process, and is refused. It is
 * process state by nature, as the pid in the file is.
 */
const heldHere = new Set<string>();

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
 * host holds it (or any process on another host: its liveness cannot be checked from here), or when
 * another writer in this process holds it: a lock is not re-entrant, so two writers in one process
 * never share a file either.
 */
export async function acquireFileLock(path: string, options: FileLockOptions): Promise<FileLock> {
  const key = resolve(path);
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
      return held(path, key);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readHolder(path);
    const mine = holder !== undefined && holder.host === me.host && holder.pid === me.pid;
    if (mine && heldHere.has(key)) {
      throw new RoadworkError(
        'ERR_LOCK_HELD',
        `The ${options.what} is being written by another writer in this process (since ${holder.at}). ` +
          `Wait for it to finish or use another folder.`,
      );
    }
    if (!mine && holder !== undefined && (holder.host !== me.host || alive(holder.pid))) {
      throw new RoadworkError(
        'ERR_LOCK_HELD',
        `The ${options.what} is being written by process ${holder.pid} on ${holder.host} (since ${holder.at}). ` +
          `Wait for it to finish or use another folder; if that process is gone, delete ${path}.`,
      );
    }
    // Abandoned: its holder died (or was an earlier process with our pid). Remove it and try again
    // (another process may win the race).
    await rm(path, { force: true });
  }
  throw new RoadworkError(
    'ERR_LOCK_HELD',
    `The ${options.what} lock ${path} kept changing hands; try again.`,
  );
}

function held(path: string, key: string): FileLock {
  heldHere.add(key);
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      heldHere.delete(key);
      await rm(path, { force: true });
    },
  };
}
