/** Model files from a local folder or a Hugging Face hub repo, downloaded once into a cache. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { RoadworkError } from '../../core/errors/index.js';
import { downloadFile } from './_download.js';
import { listRepo, type RepoFile, type RepoListing } from './_list.js';
import { readManifest, writeManifest } from './_manifest.js';
import { fileMatcher, isLiteral } from './_select.js';
import { modelCacheFolder, parseModelSource, type ModelSource } from './_source.js';

export { modelCacheFolder, parseModelSource, type ModelSource } from './_source.js';
export { resolveUrl } from './_download.js';

/** Default hub. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** What the hub needs from the caller; a `RuntimeContext` fits. */
export interface HubContext {
  readonly cacheDir: string;
  /** Never touch the network; a missing file fails naming it and `roadwork models pull`. */
  readonly offline: boolean;
  /** Default `https://huggingface.co`. */
  readonly hubUrl?: string;
  /** Sent as `Authorization: Bearer` to the hub's origin only (gated and private repos). */
  readonly hubToken?: string;
  readonly logger?: Pick<Logger, 'info'>;
}

/** One progress report, per chunk received. */
export interface DownloadProgress {
  readonly repo: string;
  readonly file: string;
  readonly loaded: number;
  readonly total: number | undefined;
  /** 1-based index of this file among those being downloaded. */
  readonly fileIndex: number;
  readonly fileCount: number;
}

/** Options for `resolveModelFolder` and `pullModel`. */
export interface ResolveOptions {
  /**
   * Files needed, as globs relative to the repo root (`*` within a segment, `**` across); literal
   * names must exist. Default: every file in the repo.
   */
  readonly files?: readonly string[];
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Longest wait for headers or the next chunk of a body. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** List the repo again even when the cache already holds every needed file. Default false. */
  readonly refresh?: boolean;
  readonly signal?: AbortSignal;
}

/** What `pullModel` did. */
export interface PullResult {
  readonly folder: string;
  /** Selected files, relative to `folder`. */
  readonly files: readonly string[];
  /** Files fetched by this call (the rest were already cached). */
  readonly downloaded: number;
  readonly bytes: number;
}

/**
 * The folder holding `model`'s files: a local folder as it is, or a hub repo's cache folder after
 * downloading whatever selected files it lacks. The network is touched only when a file is missing.
 */
export async function resolveModelFolder(
  model: string,
  ctx: HubContext,
  options: ResolveOptions = {},
): Promise<string> {
  return (await pullModel(model, ctx, options)).folder;
}

/** Like `resolveModelFolder`, with counts for the CLI's `roadwork models pull`. */
export async function pullModel(
  model: string,
  ctx: HubContext,
  options: ResolveOptions = {},
): Promise<PullResult> {
  const source = parseModelSource(model);
  if (source.kind === 'local') return localFolder(source.path, options.files);
  const folder = modelCacheFolder(ctx.cacheDir, source.repo, source.revision);
  const manifest = await readManifest(folder);
  const wanted = manifest === undefined ? undefined : select(manifest, options.files);
  const absent = wanted === undefined ? undefined : await missing(folder, wanted);
  if (wanted !== undefined && absent?.length === 0 && options.refresh !== true) {
    return { folder, files: wanted.map((f) => f.path), downloaded: 0, bytes: 0 };
  }
  if (ctx.offline) {
    const name = absent?.[0]?.path ?? (options.files ?? []).find(isLiteral) ?? 'its file list';
    return offline(source, folder, name);
  }
  return download(source, folder, ctx, options);
}

async function download(
  source: Extract<ModelSource, { kind: 'hub' }>,
  folder: string,
  ctx: HubContext,
  options: ResolveOptions,
): Promise<PullResult> {
  const { repo, revision } = source;
  const http = {
    hubUrl: ctx.hubUrl ?? DEFAULT_HUB_URL,
    token: ctx.hubToken,
    timeoutMs: options.timeoutMs ?? 30_000,
    signal: options.signal,
  };
  const listing = await listRepo(repo, revision, http);
  const wanted = select(listing, options.files);
  if (wanted === undefined) {
    const absent = (options.files ?? []).find(
      (g) => isLiteral(g) && !listing.files.some((f) => f.path === g),
    );
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Model file is not in the hub repo: ${repo}@${revision} has no "${absent}"; check the repo id, revision and model options.`,
    );
  }
  const todo = await missing(folder, wanted);
  let bytes = 0;
  for (const [i, file] of todo.entries()) {
    ctx.logger?.info({ repo, revision, file: file.path, size: file.size }, 'downloading model file');
    const onBytes = (loaded: number, total: number | undefined): void =>
      options.onProgress?.({
        repo,
        file: file.path,
        loaded,
        total,
        fileIndex: i + 1,
        fileCount: todo.length,
      });
    bytes += await downloadFile(repo, revision, file, join(folder, file.path), { ...http, onBytes });
  }
  await writeManifest(folder, { repo, revision, listedAt: new Date().toISOString(), ...listing });
  return { folder, files: wanted.map((f) => f.path), downloaded: todo.length, bytes };
}

function offline(source: Extract<ModelSource, { kind: 'hub' }>, folder: string, name: string): never {
  const { repo, revision } = source;
  throw new RoadworkError(
    'ERR_MODEL_LOAD',
    `Model file is not in the cache and models.offline is on: ${repo}@${revision} needs "${name}" in ${folder}; run \`roadwork models pull ${repo}${revision === 'main' ? '' : `@${revision}`}\` while online, or turn models.offline off.`,
  );
}

/** The listing's files selected by `globs`, or undefined when a literal glob names a file it lacks. */
function select(listing: RepoListing, globs: readonly string[] | undefined): RepoFile[] | undefined {
  const paths = new Set(listing.files.map((f) => f.path));
  if ((globs ?? []).some((g) => isLiteral(g) && !paths.has(g))) return undefined;
  const match = fileMatcher(globs);
  return listing.files.filter((f) => match(f.path));
}

/** Files absent from `folder`, or present with a size other than the listed one. */
async function missing(folder: string, files: readonly RepoFile[]): Promise<RepoFile[]> {
  const out: RepoFile[] = [];
  for (const file of files) {
    const size = (await stat(join(folder, file.path)).catch(() => undefined))?.size;
    if (size === undefined || (file.size !== undefined && size !== file.size)) out.push(file);
  }
  return out;
}

async function localFolder(path: string, globs: readonly string[] | undefined): Promise<PullResult> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new RoadworkError('ERR_MODEL_LOAD', `Model folder does not exist: ${path}; check the model path.`);
  }
  const literals = (globs ?? []).filter(isLiteral);
  for (const file of literals) {
    if ((await stat(join(path, file)).catch(() => undefined)) === undefined) {
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `Model folder lacks a needed file: ${join(path, file)}; export the model with it, or check the model options.`,
      );
    }
  }
  return { folder: path, files: literals, downloaded: 0, bytes: 0 };
}
