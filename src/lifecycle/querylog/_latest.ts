// The latest logged request of each distinct image, with its label, pHash and embedding, in one pass:
// what hard-case mining, neighbours and the projection all read.
import type { AsyncStore } from '../../core/store/index.js';
import { embeddingOf } from './_row.js';

/** One distinct image, as its latest request saw it. */
export interface ImageRow {
  /** `queries.id` of the latest request of the image. */
  readonly id: number;
  readonly sha256: string;
  readonly prediction: number;
  readonly receivedAt: number;
  readonly validator: string;
  /** The `stages` column: JSON of each stage's output. */
  readonly stages: string;
  /** Empty when the writer had no decoded image to hash. */
  readonly phash: string;
  readonly label: 0 | 1 | null;
  /** The newest embedding logged for the image (a repeat answered from the prediction cache logs none). */
  readonly embedding: Float32Array | undefined;
}

interface Raw {
  id: number | string;
  sha256: string;
  prediction: number;
  received_at: number | string;
  validator: string;
  stages: string;
  phash: string;
  label: number | null;
  embedding: Buffer | null;
}

/**
 * Every distinct image, newest first. "Latest" is the highest id: ids grow with logging order on both
 * dialects, where `received_at` can tie. PostgreSQL returns BIGINT as text, hence `Number`.
 */
export async function latestImages(
  store: AsyncStore,
  options: { withEmbeddings?: boolean; before?: number } = {},
): Promise<ImageRow[]> {
  // A repeat answered from the prediction cache logs no embedding: the image's newest one stands in.
  const embedding =
    options.withEmbeddings === false
      ? 'NULL'
      : `COALESCE(q.embedding, (SELECT e.embedding FROM queries e
           WHERE e.image_sha256 = q.image_sha256 AND e.embedding IS NOT NULL ORDER BY e.id DESC LIMIT 1))`;
  const before = options.before === undefined ? '' : 'WHERE received_at <= ?';
  const rows = await store.all<Raw>(
    `SELECT q.id, q.image_sha256 AS sha256, q.prediction, q.received_at, q.validator, q.stages,
            i.phash, l.label, ${embedding} AS embedding
     FROM queries q
     JOIN query_images i ON i.sha256 = q.image_sha256
     LEFT JOIN labels l ON l.sha256 = q.image_sha256
     WHERE q.id IN (SELECT max(id) FROM queries ${before} GROUP BY image_sha256)
     ORDER BY q.id DESC`,
    options.before === undefined ? [] : [options.before],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    sha256: r.sha256,
    prediction: Number(r.prediction),
    receivedAt: Number(r.received_at),
    validator: r.validator,
    stages: r.stages,
    phash: r.phash,
    label: r.label === null ? null : Number(r.label) === 1 ? 1 : 0,
    embedding: embeddingOf(r.embedding),
  }));
}

/**
 * The embeddings of one width: the most common one. A model change can leave rows of two widths in
 * the log; mixing them in one space would be meaningless, so the minority is left unplaced.
 */
export function commonWidth(rows: readonly ImageRow[]): number {
  const counts = new Map<number, number>();
  for (const r of rows)
    if (r.embedding) counts.set(r.embedding.length, (counts.get(r.embedding.length) ?? 0) + 1);
  let best = 0;
  let most = 0;
  for (const [w, n] of counts) if (n > most || (n === most && w > best)) [best, most] = [w, n];
  return best;
}
