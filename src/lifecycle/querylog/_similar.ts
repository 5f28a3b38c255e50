// "More like this": the logged images nearest one query's image by cosine distance of embeddings.
import { RoadworkError } from '../../core/errors/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import { latestImages } from './_latest.js';
import { embeddingOf } from './_row.js';
import { dotRow, unitMatrix } from './_vectors.js';

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

/**
 * The `k` (default 12) images nearest the image of query `id`, nearest first (ties to the newer), other
 * images only: repeats of the same bytes are one image. Fails with ERR_QUERY_UNKNOWN or
 * ERR_QUERY_NO_EMBEDDING.
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
  // The target's own row, not its image's latest one: an older request of it may hold the embedding.
  const self = rows.findIndex((r) => r.sha256 === target.sha256);
  const matrix = unitMatrix(
    self === -1
      ? rows
      : rows.map((r, i) => (i === self ? { ...r, embedding: embeddingOf(target.embedding) } : r)),
  );
  const at = matrix.rowOf.indexOf(self);
  if (self === -1 || at === -1) {
    throw new RoadworkError(
      'ERR_QUERY_NO_EMBEDDING',
      `The request has no embedding of the log's width to compare: ${id}. Neighbours need a cascade stage that computes a backbone embedding.`,
    );
  }
  const v = matrix.data.subarray(at * matrix.dims, (at + 1) * matrix.dims);
  return matrix.rowOf
    .map((row, i) => ({ row, distance: 1 - dotRow(matrix, i, v) }))
    .filter(({ row }) => row !== self)
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k)
    .map(({ row, distance }) => {
      const r = rows[row]!;
      return {
        id: r.id,
        sha256: r.sha256,
        distance: Math.max(0, distance),
        label: r.label,
        prediction: r.prediction,
      };
    });
}
