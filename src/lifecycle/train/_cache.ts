// An append-only embedding cache: Float32 rows in one file plus a JSON index of keys; resumable.
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
 * Every kept row of `keys` from the vectors file, read a block of rows at a time: the file outgrows
 * what one `readFile` can hold (2 GiB) once it keeps every cell of a spatial embedding (49 × 320
 * floats a view at 224 px: two seeds of the starter's views are 2.7 GB).
 */
async function readRows(
  path: string,
  keys: readonly string[],
  dims: number,
  chunkBytes: number,
): Promise<Map<string, Float32Array>> {
  const vectors = new Map<string, Float32Array>();
  if (keys.length === 0) return vectors;
  const rowBytes = dims * 4;
  const perChunk = Math.max(1, Math.floor(chunkBytes / rowBytes));
  const buffer = Buffer.alloc(Math.min(perChunk, keys.length) * rowBytes);
  const handle = await open(path, 'r');
  try {
    for (let first = 0; first < keys.length; first += perChunk) {
      const length = Math.min(perChunk, keys.length - first) * rowBytes;
      for (let got = 0; got < length;) {
        const { bytesRead } = await handle.read(buffer, got, length - got, first * rowBytes + got);
        if (bytesRead === 0)
          throw new RoadworkError(
            'ERR_DATASET_INVALID',
            `Embedding cache is shorter than its index: ${path}; delete its folder to embed again`,
          );
        got += bytesRead;
      }
      for (let j = 0; j < length / rowBytes; j++) {
        const key = keys[first + j]!;
        if (key === '') continue;
        const row = new Float32Array(dims);
        Buffer.from(row.buffer).set(buffer.subarray(j * rowBytes, (j + 1) * rowBytes));
        vectors.set(key, row);
      }
    }
  } finally {
    await handle.close();
  }
  return vectors;
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
  /** Bytes read at a time when loading the rows (tests make it small). Default 64 MiB. */
  readonly readChunkBytes?: number;
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
  const vectors = await readRows(dataPath, keys, options.dims, options.readChunkBytes ?? 64 * 2 ** 20);
  return {
    version: options.version,
    dims: options.dims,
    dir,
    get size() {
      return vectors.size;
    },
    has: (key) => vectors.has(key),
    get: (key) => vectors.get(key),
    async put(entries) {
      const fresh = entries.filter((e) => !vectors.has(e.key));
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
        vectors.set(e.key, Float32Array.from(e.vector));
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
            vectors.delete(key);
            keys[i] = '';
          }
        });
      }
      await writeIndex();
      return [...changed];
    },
    close: async () => lock?.release(),
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
