// Parses a model reference into a local folder or a hub repo, and names its cache folder.
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RoadworkError } from '../../core/errors/index.js';

/** Where a model's files come from. */
export type ModelSource =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 'hub'; readonly repo: string; readonly revision: string };

const REPO = /^([\w.-]+)\/([\w.-]+)(?:@([\w./-]+))?$/;

/**
 * `owner/name` or `owner/name@revision` is a hub repo (revision `main` by default); an absolute path,
 * one starting with `.`, or a `file:` URL is a local folder used in place.
 */
export function parseModelSource(model: string): ModelSource {
  if (model.startsWith('file:')) return { kind: 'local', path: fileURLToPath(model) };
  if (isAbsolute(model) || model.startsWith('.')) return { kind: 'local', path: resolve(model) };
  const m = REPO.exec(model);
  if (m === null || model.includes('..')) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Model is neither a hub repo id nor a local folder: "${model}"; use owner/name[@revision], an absolute path or ./relative/path.`,
    );
  }
  return { kind: 'hub', repo: `${m[1]}/${m[2]}`, revision: m[3] ?? 'main' };
}

/** The cache folder of one repo revision: `<cacheDir>/<owner>--<name>/<revision>`. */
export function modelCacheFolder(cacheDir: string, repo: string, revision: string): string {
  // Branch names may hold slashes (refs/pr/1); one path segment per revision keeps listings simple.
  return join(cacheDir, repo.replace('/', '--'), encodeURIComponent(revision));
}
