// The web app's JSON API over the query log: the gallery, images, labels and their undo, export.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RoadworkError } from '../../core/errors/index.js';
import { writeDirAtomic } from '../../core/files/index.js';
import {
  EXPORT_FORMATS,
  exportQueries,
  imagePath,
  labelOf,
  loggedImage,
  queryStats,
  recordLabels,
  restoreLabel,
  type BrowseFilter,
  type ExportFormat,
  type Label,
} from '../../lifecycle/querylog/index.js';
import type { WebContext } from './_context.js';
import { readJson, sendJson } from './_http.js';

const SHA = /^[0-9a-f]{64}$/;
const IMAGE_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

function num(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new RoadworkError('ERR_CONFIG_INVALID', `Not a number: ${v}`);
  return n;
}

function bool(v: string | null): boolean | undefined {
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/** The gallery's filters from the query string. */
export function filterOf(q: URLSearchParams): BrowseFilter {
  const label = q.get('label');
  const f: Record<string, unknown> = {
    from: num(q.get('from')),
    to: num(q.get('to')),
    validator: q.get('validator') || undefined,
    minPrediction: num(q.get('min')),
    maxPrediction: num(q.get('max')),
    disagreement: bool(q.get('disagreement')),
    labelled: bool(q.get('labelled')),
    label: label === '1' ? 1 : label === '0' ? 0 : undefined,
    limit: Math.min(num(q.get('limit')) ?? 300, 1000),
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as BrowseFilter;
}

function sha256Of(body: Record<string, unknown>): string {
  const sha = String(body.sha256 ?? '');
  if (!SHA.test(sha)) throw new RoadworkError('ERR_CONFIG_INVALID', `Not an image sha256: ${sha}`);
  return sha;
}

/** GET /api/stats: the query log's counts (the filter's validator list, the header's numbers). */
export async function stats(ctx: WebContext, res: ServerResponse): Promise<void> {
  sendJson(res, 200, await queryStats(ctx.store));
}

/** GET /api/image/<sha256>: a logged image's bytes, as the validator sent them. */
export async function image(ctx: WebContext, sha: string, res: ServerResponse): Promise<void> {
  const row = SHA.test(sha) ? await loggedImage(ctx.store, sha) : undefined;
  if (row === undefined) throw new RoadworkError('ERR_NOT_FOUND', `No logged image ${sha}`);
  const stream = createReadStream(imagePath(ctx.imagesDir, sha, row.ext));
  stream.once('open', () => {
    res.writeHead(200, {
      'content-type': IMAGE_TYPES[row.ext] ?? 'application/octet-stream',
      // Content-addressed: the bytes under a sha256 never change.
      'cache-control': 'private, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    });
    stream.pipe(res);
  });
  stream.once('error', () => {
    if (!res.headersSent)
      sendJson(res, 404, { code: 'ERR_NOT_FOUND', message: `Image file of ${sha} is gone` });
    else res.destroy();
  });
}

/** POST /api/label {sha256, label}: saves an operator's label at once; answers the state it replaced. */
export async function label(ctx: WebContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const sha = sha256Of(body);
  if (body.label !== 0 && body.label !== 1)
    throw new RoadworkError('ERR_CONFIG_INVALID', `A label is 0 or 1: ${String(body.label)}`);
  // Only what the log holds: a label for any other hash would count in the stats and train nothing.
  if ((await loggedImage(ctx.store, sha)) === undefined)
    throw new RoadworkError('ERR_QUERY_UNKNOWN', `No logged image has this sha256: ${sha}`);
  const previous = (await labelOf(ctx.store, sha)) ?? null;
  const next: Label = { sha256: sha, label: body.label, source: 'operator', at: ctx.now(), by: ctx.operator };
  await recordLabels(ctx.store, [next]);
  sendJson(res, 200, { previous, label: next });
}

/** POST /api/restore {sha256, previous}: puts back the label state a label replaced (undo). */
export async function restore(ctx: WebContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const sha = sha256Of(body);
  const p = body.previous as Partial<Label> | null | undefined;
  const previous: Label | undefined =
    p === null || p === undefined
      ? undefined
      : {
          sha256: sha,
          label: p.label === 1 ? 1 : 0,
          source: p.source === 'eval' ? 'eval' : 'operator',
          at: Number(p.at) || ctx.now(),
          by: String(p.by ?? ''),
        };
  await restoreLabel(ctx.store, sha, previous);
  sendJson(res, 200, { label: (await labelOf(ctx.store, sha)) ?? null });
}

/** A new folder under `<data_dir>/exports` named by format and time. */
function exportDir(ctx: WebContext, what: string): string {
  return join(ctx.dataDir, 'exports', `${what}-${new Date(ctx.now()).toISOString().replace(/[:.]/g, '-')}`);
}

/** Writes an export into a new folder; answers the folder and the counts. */
export async function writeExport(
  ctx: WebContext,
  format: ExportFormat,
  labelledOnly: boolean,
  what: string = format,
) {
  const dir = exportDir(ctx, what);
  const result = await writeDirAtomic(
    dir,
    (tmp) => exportQueries(ctx.store, ctx.imagesDir, tmp, { format, labelledOnly }),
    { what: 'export', flag: 'export folder' },
  );
  return { dir, format, ...result };
}

/** POST /api/export {format, labelledOnly}: the query log in one of `roadwork queries export`'s layouts. */
export async function exportRoute(ctx: WebContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  const format = String(body.format ?? 'folders') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Unknown export format: ${format}; use one of ${EXPORT_FORMATS.join(', ')}.`,
    );
  sendJson(res, 200, await writeExport(ctx, format, body.labelledOnly === true));
}
