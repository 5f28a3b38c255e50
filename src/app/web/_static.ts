// The page's files (HTML, ES modules, CSS), read once at start from `assets/` beside this module: the
// build copies that folder into dist/, so it is found from src/ (tsx) and from dist/ alike.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RoadworkError } from '../../core/errors/index.js';

/** Where the page's files are. */
export const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
});

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** The assets by URL path (`/` is `index.html`). */
export type Assets = ReadonlyMap<string, Asset>;

/** Reads every file of `dir`; a missing folder (a build that did not copy it) fails at start, by name. */
export function loadAssets(dir = ASSETS_DIR): Assets {
  if (!existsSync(join(dir, 'index.html')))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The web app's files are missing: ${dir}; rebuild with npm run build (it copies src/app/web/assets).`,
    );
  const map = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    map.set(name === 'index.html' ? '/' : `/${name}`, { body, type, etag });
  }
  return map;
}

/** Serves an asset (true), or answers nothing (false) when `path` names none. */
export function serveAsset(assets: Assets, path: string, req: IncomingMessage, res: ServerResponse): boolean {
  const asset = assets.get(path);
  if (asset === undefined) return false;
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, { etag: asset.etag });
    res.end();
    return true;
  }
  res.writeHead(200, {
    'content-type': asset.type,
    'content-length': asset.body.length,
    etag: asset.etag,
    // Revalidated each load (a 304 costs nothing): an upgraded miner never serves a stale script.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(asset.type.startsWith('text/html') && {
      'content-security-policy':
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
    }),
  });
  res.end(asset.body);
  return true;
}
