// The embeddings on a plane, for the app's cluster view: coloured by label, error or cluster.
import type { AsyncStore } from '../../core/store/index.js';
import { clusterRows, isWrong } from './_clusters.js';
import { readLabels } from './_labels.js';
import { latestImages } from './_latest.js';
import { project2d } from './_pca.js';

/** The threshold a point's `error` is judged at. */
const ERROR_AT = 0.5;

/** One image on the plane. */
export interface ProjectedQuery {
  /** `queries.id` of the image's latest request. */
  readonly id: number;
  readonly sha256: string;
  readonly x: number;
  readonly y: number;
  readonly label: 0 | 1 | null;
  readonly prediction: number;
  /** Whether the prediction (at 0.5) contradicts the label; null when unlabelled. */
  readonly error: boolean | null;
  readonly cluster: number | null;
}

/**
 * The newest `limit` (default 5000; `Infinity`: all) images with an embedding, on the first two principal components
 * of all the log's embeddings (their 64-wide sketch; see `_pca.ts` on why PCA). Images without an embedding are not placed.
 * Deterministic: the same log gives the same points. Clusters are those `rankHardCases` uses.
 */
export async function projectQueries(
  store: AsyncStore,
  options: { limit?: number } = {},
): Promise<readonly ProjectedQuery[]> {
  const limit = options.limit ?? 5000;
  const rows = await latestImages(store);
  const { clusterOf, sketch } = clusterRows(rows);
  const xy = project2d(sketch);
  // Matrix rows keep the rows' order, newest first.
  return sketch.rowOf.slice(0, limit).map((row, i) => {
    const r = rows[row]!;
    return {
      id: r.id,
      sha256: r.sha256,
      x: xy[2 * i]!,
      y: xy[2 * i + 1]!,
      label: r.label,
      prediction: r.prediction,
      error: isWrong(r, ERROR_AT),
      cluster: clusterOf[row] ?? null,
    };
  });
}

/**
 * The same points with every image's label as the store has it now (one read of the labels): the
 * plane and the clusters ignore labels, so a view that keeps its projection re-reads only these.
 */
export async function relabelProjection(
  store: AsyncStore,
  points: readonly ProjectedQuery[],
): Promise<readonly ProjectedQuery[]> {
  const labels = await readLabels(store);
  return points.map((p) => {
    const label = labels.get(p.sha256) ?? null;
    return label === p.label
      ? p
      : { ...p, label, error: isWrong({ label, prediction: p.prediction }, ERROR_AT) };
  });
}
