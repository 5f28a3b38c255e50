// Downloads one repo file: resumes a `.part`, checks size and ETag (sha256 or git blob id), then renames.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { makeDir } from '../../core/files/index.js';
import { hubGet, type HttpOptions } from './_http.js';
import { trimSlash, type RepoFile } from './_list.js';

/** Progress of one file: bytes on disk so far and the expected total when known. */
export type OnBytes = (loaded: number, total: number | undefined) => void;

/** The URL the hub serves a file at. */
export function resolveUrl(hubUrl: string, repo: string, revision: string, path: string): string {
  const file = path.split('/').map(encodeURIComponent).join('/');
  return `${trimSlash(hubUrl)}/${repo}/resolve/${encodeURIComponent(revision)}/${file}`;
}

/**
 * Fetches `file` into `dest`. A `.part` left by an interrupted run is resumed with a Range request; a
 * resumed file that then fails its checks is fetched once more from zero. Only a checked file is
 * renamed into place, so a file in the cache is always whole.
 */
export async function downloadFile(
  repo: string,
  revision: string,
  file: RepoFile,
  dest: string,
  options: HttpOptions & { readonly onBytes?: OnBytes },
): Promise<number> {
  const url = resolveUrl(options.hubUrl, repo, revision, file.path);
  const part = `${dest}.part`;
  await makeDir(dirname(dest));
  const have = (await stat(part).catch(() => undefined))?.size ?? 0;
  try {
    return await attempt(url, repo, file, part, dest, have, options);
  } catch (err) {
    if (have === 0 || !(err instanceof RoadworkError) || !err.message.startsWith('Downloaded file'))
      throw err;
    await rm(part, { force: true });
    return attempt(url, repo, file, part, dest, 0, options);
  }
}

async function attempt(
  url: string,
  repo: string,
  file: RepoFile,
  part: string,
  dest: string,
  have: number,
  options: HttpOptions & { readonly onBytes?: OnBytes },
): Promise<number> {
  const what = `${repo}/${file.path}`;
  const { response, first, touch, done } = await hubGet(
    url,
    what,
    options,
    have > 0 ? { range: `bytes=${have}-` } : {},
  );
  const resumed = response.status === 206 ? have : 0;
  const total = expectedSize(file, first, response, resumed);
  const etag = file.etag ?? cleanEtag(first.get('x-linked-etag') ?? first.get('etag'));
  const handle = await open(part, resumed > 0 ? 'a' : 'w');
  let loaded = resumed;
  try {
    if (response.body === null) {
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `The hub answered ${what} with no body: ${url}; run it again.`,
      );
    }
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      touch();
      await handle.write(chunk);
      loaded += chunk.byteLength;
      options.onBytes?.(loaded, total);
    }
  } catch (err) {
    if (err instanceof RoadworkError) throw err;
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Download of ${what} broke off at ${loaded} bytes: ${url} (${String(err)}); run it again to resume.`,
      { cause: err },
    );
  } finally {
    done();
    await handle.close();
  }
  if (total !== undefined && loaded !== total) {
    await rm(part, { force: true });
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Downloaded file has the wrong size: ${what} is ${loaded} bytes, the hub says ${total} (${url}); run it again.`,
    );
  }
  if (etag !== undefined) {
    const actual = await digest(part, etag, loaded);
    if (actual !== undefined && actual !== etag) {
      await rm(part, { force: true });
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `Downloaded file does not match the hub's ETag: ${what} hashes to ${actual}, expected ${etag} (${url}); run it again.`,
      );
    }
  }
  await rename(part, dest);
  return loaded - resumed;
}

function expectedSize(
  file: RepoFile,
  first: Headers,
  response: Response,
  resumed: number,
): number | undefined {
  if (file.size !== undefined) return file.size;
  const linked = Number(first.get('x-linked-size') ?? NaN);
  if (Number.isFinite(linked)) return linked;
  const range = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
  if (range) return Number(range[1]);
  const length = Number(response.headers.get('content-length') ?? NaN);
  return Number.isFinite(length) ? length + resumed : undefined;
}

function cleanEtag(value: string | null): string | undefined {
  if (value === null) return undefined;
  const v = value.replace(/^W\//, '').replace(/"/g, '');
  return /^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(v) ? v : undefined;
}

/** sha256 for a 64-hex ETag, git's blob sha1 for a 40-hex one; other ETags cannot be checked. */
async function digest(path: string, etag: string, size: number): Promise<string | undefined> {
  let hash;
  if (etag.length === 64) hash = createHash('sha256');
  else if (etag.length === 40) hash = createHash('sha1').update(`blob ${size}\0`);
  else return undefined;
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
