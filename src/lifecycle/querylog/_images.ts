// The logged images on disk: the bytes exactly as a validator sent them, content-addressed by sha256
// under <data_dir>/queries/<2 hex>/<sha256>.<ext>, so a repeated image is stored once.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDir, makeDirSync } from '../../core/files/index.js';
import { readImageHeader } from '../../inference/image/index.js';

/** What is known of an image from its bytes alone. */
export interface ImageFacts {
  readonly sha256: string;
  /** `jpg`, `png`, `webp`, or `bin` when the header is unreadable. */
  readonly ext: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
}

const EXT = { jpeg: 'jpg', png: 'png', webp: 'webp' } as const;

/** Hashes and sniffs `bytes` (the header only: no pixel is decoded). */
export function imageFacts(bytes: Uint8Array): ImageFacts {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  try {
    const h = readImageHeader(bytes);
    return { sha256, ext: EXT[h.format], width: h.width, height: h.height, bytes: bytes.length };
  } catch {
    return { sha256, ext: 'bin', width: 0, height: 0, bytes: bytes.length };
  }
}

/** The file of an image in `dir` (the queries folder). */
export function imagePath(dir: string, sha256: string, ext: string): string {
  return join(dir, sha256.slice(0, 2), `${sha256}.${ext}`);
}

// A temporary name beside the final one, renamed over it once whole: a kill mid-write leaves only a
// `.tmp` file (swept by `roadwork queries prune`), never a truncated image under its hash.
function tempPath(path: string): string {
  return `${path}.${randomBytes(4).toString('hex')}.tmp`;
}

/**
 * Writes the image unless its file exists; whole or not at all. `shards`: folders known to exist, so a
 * writer skips a `mkdir` per image (one of the five file-system calls a new image costs); a folder removed
 * behind its back is made again.
 */
export async function storeImage(path: string, bytes: Uint8Array, shards?: Set<string>): Promise<void> {
  if (existsSync(path)) return;
  const dir = dirname(path);
  if (shards?.has(dir) !== true) await makeDir(dir);
  shards?.add(dir);
  const tmp = tempPath(path);
  try {
    await writeFile(tmp, bytes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await makeDir(dir);
    await writeFile(tmp, bytes);
  }
  await rename(tmp, path);
}

/** `storeImage`, synchronously: for the check made under the write lock (rarely writes anything). */
export function ensureImageSync(path: string, bytes: Uint8Array): void {
  if (existsSync(path)) return;
  makeDirSync(join(path, '..'));
  const tmp = tempPath(path);
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}
