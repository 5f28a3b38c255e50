// The gallery's order and the views built on embeddings: hard cases first (with their reasons), "more
// like this", and the 2-D cluster view, all computed by lifecycle/querylog's mining.
import type { ServerResponse } from 'node:http';
import { RoadworkError } from '../../core/errors/index.js';
import {
  browseQueries,
  similarQueries,
  type BrowsedQuery,
  type HardCase,
} from '../../lifecycle/querylog/index.js';
import type { WebContext } from './_context.js';
import { filterOf } from './_api.js';
import { sendJson } from './_http.js';

/** A gallery row, with its hard-case rank when it has one. */
export type GalleryRow = BrowsedQuery &
  Partial<Pick<HardCase, 'score' | 'reasons' | 'duplicates' | 'cluster'>>;

/** Points the cluster view draws at most: the newest. */
const PROJECTED = 3000;

/** Hard cases ranked at most, before the rest of the filtered rows follow (newest first). */
const RANKED = 1000;

/**
 * Orders filtered rows: `rank` puts the hard cases first, best first, each with why it was picked; the
 * rows with no reason (labelled, confident, or a collapsed near-duplicate) follow, newest first.
 */
async function ordered(
  ctx: WebContext,
  rows: readonly BrowsedQuery[],
  sort: string,
): Promise<readonly GalleryRow[]> {
  if (sort === 'recent') return rows;
  if (sort === 'uncertain')
    return [...rows].sort((a, b) => Math.abs(a.prediction - 0.5) - Math.abs(b.prediction - 0.5));
  const cases = await ctx.hardCases.cases(ctx.now(), RANKED);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const first: GalleryRow[] = [];
  for (const c of cases) {
    const row = byId.get(c.id);
    if (row === undefined) continue;
    first.push({ ...row, score: c.score, reasons: c.reasons, duplicates: c.duplicates, cluster: c.cluster });
    byId.delete(c.id);
  }
  return [...first, ...byId.values()];
}

/** GET /api/queries: the filtered gallery (`cluster` too), ordered by `sort` (`rank` by default). */
export async function listQueries(ctx: WebContext, url: URL, res: ServerResponse): Promise<void> {
  const q = url.searchParams;
  const cluster = q.get('cluster');
  let rows = await browseQueries(ctx.store, filterOf(q));
  if (cluster !== null && cluster !== '') {
    const inCluster = new Set(
      (await ctx.projection.points()).filter((p) => String(p.cluster) === cluster).map((p) => p.id),
    );
    rows = rows.filter((r) => inCluster.has(r.id));
  }
  sendJson(res, 200, { queries: await ordered(ctx, rows, q.get('sort') ?? 'rank') });
}

/** GET /api/similar/<id>: the logged images nearest query `id`'s by embedding. */
export async function similar(ctx: WebContext, id: string, url: URL, res: ServerResponse): Promise<void> {
  const k = Math.min(Number(url.searchParams.get('k') ?? 24) || 24, 200);
  if (!/^[1-9][0-9]{0,15}$/.test(id))
    throw new RoadworkError(
      'ERR_QUERY_UNKNOWN',
      `A query id is a whole number from 1: ${JSON.stringify(id)}`,
    );
  sendJson(res, 200, { similar: await similarQueries(ctx.store, Number(id), { k }) });
}

/** GET /api/projection: the embeddings on a plane, for the cluster view. */
export async function projection(ctx: WebContext, res: ServerResponse): Promise<void> {
  sendJson(res, 200, { points: (await ctx.projection.points()).slice(0, PROJECTED) });
}
