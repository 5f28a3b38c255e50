// An append-only embedding cache: Float32 rows in one file plus a JSON index of keys; resumable.
import { closeSync, openSync, readSync } from 'node:fs';
import { open, readFile, rename, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RoadworkError, isRoadworkError } from '../../core/errors/index.js';
import { acquireFileLock, makeDir, type FileLock } from '../../core/files/index.js';

/** Embeddings of one embedder version, by key (image, view). */
export interface EmbeddingCache {
  readonly version: string;
  readonly dims: number;
  readonly size: number;
  /** The folder holding `index.json` and `vectors.f32`. */
  readonly dir: string;
  has(key: string): boolean;
  /** The row of `key`, read from disk at each call (a fresh array: hold it as long as it is used). */
  get(key: string): Float32Array | undefined;
  /** Appends rows and rewrites the index; keys already present are ignored. */
  put(entries: readonly { key: string; vector: Float32Array }[]): Promise<void>;
  /**
   * Records each image's content stamp (a hash of its bytes; keys are `<image id>#…`). An image
   * whose recorded stamp differs (the file changed under the same path) loses its keys, so its views
   * are embedded again; an image with keys but no stamp (a cache written before stamps) is trusted
   * and stamped. Returns the ids of the images whose keys were dropped.
   */
  restamp(stamps: ReadonlyMap<string, string>): Promise<string[]>;
  /** Releases the writer's lock (a read-only cache holds none). */
  close(): Promise<void>;
}

interface IndexFile {
  readonly format: 'roadwork-embeddings';
  readonly version: string;
  readonly dims: number;
  /** Row keys in file order; '' marks a dropped row (its bytes stay until the folder is deleted). */
  readonly keys: string[];
  /** Content stamp of each image id (see `EmbeddingCache.restamp`). */
  readonly stamps?: Record<string, string>;
}

/**
 * Reads rows of the vectors file on demand, one `pread` each: the file outgrows memory once it keeps
 * every cell of a spatial embedding (62720 floats a view at 448 px: one seed of the starter's views is
 * 5.4 GB), and a run reads only its own seed's rows of it. Synchronous, like the `get` it serves.
 */
function rowReader(path: string, dims: number) {
  const rowBytes = dims * 4;
  let fd: number | undefined;
  return {
    read(row: number): Float32Array {
      fd ??= openSync(path, 'r');
      const out = new Float32Array(dims);
      const bytes = new Uint8Array(out.buffer);
      for (let got = 0; got < rowBytes;) {
        const n = readSync(fd, bytes, got, rowBytes - got, row * rowBytes + got);
        if (n === 0)
          throw new RoadworkError(
            'ERR_DATASET_INVALID',
            `Embedding cache is shorter than its index: ${path}; delete its folder to embed again`,
          );
        got += n;
      }
      return out;
    },
    close(): void {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

/** A folder name for a version string (versions hold colons and plus signs). */
function folderName(version: string): string {
  return version.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Opens (or creates) the cache for `version` under `root`. Rows written after the last index update
 * (a crash between the two writes) are cut off, so a killed run resumes cleanly. A writer holds
 * `writer.lock` until `close()`: a second writer in another live process is refused with
 * `ERR_LOCK_HELD` (its open would cut the first one's unindexed rows, and their two indexes would
 * overwrite each other); a lock left by a dead process is taken over.
 */
export async function openEmbeddingCache(
  root: string,
  options: OpenOptions & {
    /**
     * When another live process holds the writer's lock, open read-only beside it instead of failing:
     * a run whose views are all cached reads them while the other writes, and one that must write
     * (a new view, a changed image) fails with that `ERR_LOCK_HELD` at its first write.
     */
    readonly shareIfLocked?: boolean;
  },
): Promise<EmbeddingCache> {
  const dir = join(root, folderName(options.version));
  if (options.readOnly === true) return openLocked(dir, options, undefined);
  await makeDir(dir);
  let lock: FileLock;
  try {
    lock = await acquireFileLock(join(dir, 'writer.lock'), { what: `embedding cache ${dir}` });
  } catch (err) {
    if (options.shareIfLocked !== true || !isRoadworkError(err, 'ERR_LOCK_HELD')) throw err;
    return openLocked(dir, { ...options, readOnly: true, refusal: err }, undefined);
  }
  try {
    return await openLocked(dir, options, lock);
  } catch (err) {
    await lock.release();
    throw err;
  }
}

interface OpenOptions {
  readonly version: string;
  readonly dims: number;
  readonly readOnly?: boolean;
}

async function openLocked(
  dir: string,
  options: OpenOptions & { readonly refusal?: Error },
  lock: FileLock | undefined,
): Promise<EmbeddingCache> {
  const indexPath = join(dir, 'index.json');
  const dataPath = join(dir, 'vectors.f32');
  let keys: string[] = [];
  let stamps: Record<string, string> = {};
  try {
    const index = JSON.parse(await readFile(indexPath, 'utf8')) as IndexFile;
    if (
      index.format !== 'roadwork-embeddings' ||
      index.version !== options.version ||
      index.dims !== options.dims
    ) {
      throw new RoadworkError(
        'ERR_DATASET_INVALID',
        `Embedding cache belongs to another embedder: ${dir} (${index.version}, ${index.dims} dims); delete the folder`,
      );
    }
    keys = index.keys;
    stamps = { ...index.stamps };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const rowBytes = options.dims * 4;
  let bytes = 0;
  try {
    bytes = (await stat(dataPath)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const rows = Math.floor(bytes / rowBytes);
  if (rows < keys.length) keys = keys.slice(0, rows);
  // Read-only openers (reports beside a running embed) must not cut rows another process is writing.
  if (bytes !== keys.length * rowBytes && options.readOnly !== true)
    await truncateOrCreate(dataPath, keys.length * rowBytes);
  // Each kept key's row in the file; the rows themselves stay on disk until asked for.
  const rowOf = new Map<string, number>();
  keys.forEach((key, row) => key !== '' && rowOf.set(key, row));
  const reader = rowReader(dataPath, options.dims);
  return {
    version: options.version,
    dims: options.dims,
    dir,
    get size() {
      return rowOf.size;
    },
    has: (key) => rowOf.has(key),
    get(key) {
      const row = rowOf.get(key);
      return row === undefined ? undefined : reader.read(row);
    },
    async put(entries) {
      const fresh = entries.filter((e) => !rowOf.has(e.key));
      if (fresh.length === 0) return;
      if (options.readOnly === true) throw readOnlyError();
      for (const e of fresh) {
        if (e.vector.length !== options.dims) {
          throw new RoadworkError(
            'ERR_MODEL_OUTPUT',
            `Embedding has ${e.vector.length} dims, the cache holds ${options.dims}: ${e.key}`,
          );
        }
      }
      const block = Buffer.alloc(fresh.length * rowBytes);
      fresh.forEach((e, i) =>
        block.set(new Uint8Array(e.vector.buffer, e.vector.byteOffset, rowBytes), i * rowBytes),
      );
      const handle = await open(dataPath, 'a');
      try {
        await handle.write(block);
      } finally {
        await handle.close();
      }
      for (const e of fresh) {
        rowOf.set(e.key, keys.length);
        keys.push(e.key);
      }
      // Index last, through a rename: a crash leaves extra rows (cut on open), never missing ones.
      await writeIndex();
    },
    async restamp(next) {
      const changed = new Set<string>();
      let dirty = false;
      for (const [id, stamp] of next) {
        const old = stamps[id];
        if (old === stamp) continue;
        if (old !== undefined) changed.add(id);
        stamps[id] = stamp;
        dirty = true;
      }
      if (!dirty) return [];
      if (options.readOnly === true) throw readOnlyError();
      if (changed.size > 0) {
        keys.forEach((key, i) => {
          const hash = key.indexOf('#');
          if (hash > 0 && changed.has(key.slice(0, hash))) {
            rowOf.delete(key);
            keys[i] = '';
          }
        });
      }
      await writeIndex();
      return [...changed];
    },
    async close() {
      reader.close();
      await lock?.release();
    },
  };

  function readOnlyError(): Error {
    return options.refusal ?? new RoadworkError('ERR_INTERNAL', `Embedding cache opened read-only: ${dir}`);
  }

  async function writeIndex(): Promise<void> {
    const index: IndexFile = {
      format: 'roadwork-embeddings',
      version: options.version,
      dims: options.dims,
      keys,
      stamps,
    };
    await writeFile(`${indexPath}.tmp`, JSON.stringify(index));
    await rename(`${indexPath}.tmp`, indexPath);
  }
}

async function truncateOrCreate(path: string, length: number): Promise<void> {
  try {
    await truncate(path, length);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await writeFile(path, Buffer.alloc(0));
  }
}
