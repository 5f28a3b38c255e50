// "More like this": the logged images nearest one query's image by cosine distance of embeddings.
import { RoadworkError } from '../../core/errors/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import { commonWidth, latestImages } from './_latest.js';
import { embeddingOf } from './_row.js';

/** One neighbour. */
export interface SimilarQuery {
  /** `queries.id` of the neighbour image's latest request. */
  readonly id: number;
  readonly sha256: string;
  /** 1 − cosine similarity: 0 the same direction, 2 opposite. */
  readonly distance: number;
  readonly label: 0 | 1 | null;
  readonly prediction: number;
}

function norm(e: Float32Array): number {
  let s = 0;
  for (let j = 0; j < e.length; j++) s += e[j]! * e[j]!;
  return Math.sqrt(s);
}

/**
 * The `k` (default 12) images nearest the image of query `id`, nearest first (ties to the newer), other
 * images only: repeats of the same bytes are one image. Exact cosine at full width, one pass over the
 * rows. Fails with ERR_QUERY_UNKNOWN or ERR_QUERY_NO_EMBEDDING.
 */
export async function similarQueries(
  store: AsyncStore,
  id: number,
  options: { k?: number } = {},
): Promise<readonly SimilarQuery[]> {
  const k = options.k ?? 12;
  const target = await store.get<{ sha256: string; embedding: Buffer | null }>(
    'SELECT image_sha256 AS sha256, embedding FROM queries WHERE id = ?',
    [id],
  );
  if (target === undefined) {
    throw new RoadworkError(
      'ERR_QUERY_UNKNOWN',
      `No logged request has this id: ${id}. See roadwork queries hard for ids.`,
    );
  }
  const rows = await latestImages(store);
  // A repeat answered from the prediction cache logged no embedding: its image's newest one, which
  // latestImages already read, serves.
  const v = embeddingOf(target.embedding) ?? rows.find((r) => r.sha256 === target.sha256)?.embedding;
  const dims = commonWidth(rows);
  const vNorm = v === undefined ? 0 : norm(v);
  if (v === undefined || v.length !== dims || vNorm === 0) {
    throw new RoadworkError(
      'ERR_QUERY_NO_EMBEDDING',
      `The request has no embedding of the log's width to compare: ${id}. Neighbours need a cascade stage that computes a backbone embedding.`,
    );
  }
  const near: { i: number; distance: number }[] = [];
  for (const [i, r] of rows.entries()) {
    const e = r.embedding;
    if (r.sha256 === target.sha256 || e === undefined || e.length !== dims) continue;
    let dot = 0;
    for (let j = 0; j < dims; j++) dot += v[j]! * e[j]!;
    const n = norm(e);
    if (n > 0) near.push({ i, distance: Math.max(0, 1 - dot / (vNorm * n)) });
  }
  return near
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k)
    .map(({ i, distance }) => {
      const r = rows[i]!;
      return { id: r.id, sha256: r.sha256, distance, label: r.label, prediction: r.prediction };
    });
}
