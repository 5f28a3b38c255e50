// Lists a repo revision's files through the hub API, with sizes and content hashes where it gives them.
import { RoadworkError } from '../../core/errors/index.js';
import { hubGet, type HttpOptions } from './_http.js';

/** One file of a repo as the hub lists it. */
export interface RepoFile {
  readonly path: string;
  readonly size?: number;
  /** sha256 for LFS files, the git blob id otherwise: what the hub sends as the file's ETag. */
  readonly etag?: string;
}

/** A repo revision's listing. */
export interface RepoListing {
  readonly commit?: string;
  readonly files: readonly RepoFile[];
}

interface Sibling {
  rfilename?: unknown;
  size?: unknown;
  blobId?: unknown;
  lfs?: { sha256?: unknown; size?: unknown };
}

/** GETs `{hubUrl}/api/models/{repo}/revision/{revision}?blobs=true`. */
export async function listRepo(repo: string, revision: string, options: HttpOptions): Promise<RepoListing> {
  const url = `${trimSlash(options.hubUrl)}/api/models/${repo}/revision/${encodeURIComponent(revision)}?blobs=true`;
  const what = `the file list of ${repo}@${revision}`;
  const { response, done } = await hubGet(url, what, options, { accept: 'application/json' });
  let body: { sha?: unknown; siblings?: unknown };
  try {
    body = (await response.json()) as typeof body;
  } catch (err) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Hub sent an unreadable file list for ${repo}@${revision}: ${url}; check models.hub_url.`,
      { cause: err },
    );
  } finally {
    done();
  }
  if (!Array.isArray(body.siblings)) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Hub file list has no "siblings" for ${repo}@${revision}: ${url}; check models.hub_url.`,
    );
  }
  const files: RepoFile[] = [];
  for (const s of body.siblings as Sibling[]) {
    if (typeof s.rfilename !== 'string') continue;
    const size =
      typeof s.lfs?.size === 'number' ? s.lfs.size : typeof s.size === 'number' ? s.size : undefined;
    const etag =
      typeof s.lfs?.sha256 === 'string' ? s.lfs.sha256 : typeof s.blobId === 'string' ? s.blobId : undefined;
    files.push({
      path: s.rfilename,
      ...(size === undefined ? {} : { size }),
      ...(etag === undefined ? {} : { etag }),
    });
  }
  return { ...(typeof body.sha === 'string' ? { commit: body.sha } : {}), files };
}

/** `url` without trailing slashes. */
export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
