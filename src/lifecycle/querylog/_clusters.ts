// Embedding clusters of the logged images, and how often the model is wrong on each one's labelled members.
import { kmeans } from './_kmeans.js';
import type { ImageRow } from './_latest.js';
import { sketchRows, type UnitMatrix } from './_vectors.js';

/** The seed of the clusters: fixed, so the same log gives the same clusters in the CLI and the app. */
export const CLUSTER_SEED = 'querylog-clusters';

/** Each row's cluster (null without a usable embedding), and the sketch they were found in. */
export interface Clustering {
  readonly clusterOf: readonly (number | null)[];
  /** The embeddings at most 64 wide (see `sketch`), in the rows' order. */
  readonly sketch: UnitMatrix;
}

/** Clusters every row with an embedding of the common width. */
export function clusterRows(rows: readonly ImageRow[]): Clustering {
  const small = sketchRows(rows, CLUSTER_SEED);
  const assign = kmeans(small, { seed: CLUSTER_SEED });
  const clusterOf: (number | null)[] = rows.map(() => null);
  small.rowOf.forEach((row, i) => (clusterOf[row] = assign[i]!));
  return { clusterOf, sketch: small };
}

/** A cluster's labelled members and how many of them the model got wrong. */
export interface ClusterErrors {
  readonly labelled: number;
  readonly wrong: number;
}

/** Whether a labelled row's prediction is on the wrong side of `threshold`. */
export function isWrong(row: Pick<ImageRow, 'label' | 'prediction'>, threshold: number): boolean | null {
  return row.label === null ? null : (row.prediction >= threshold ? 1 : 0) !== row.label;
}

/** Per cluster: labelled members and wrong ones. */
export function clusterErrors(
  rows: readonly ImageRow[],
  clusterOf: readonly (number | null)[],
  threshold: number,
): Map<number, ClusterErrors> {
  const out = new Map<number, { labelled: number; wrong: number }>();
  rows.forEach((row, i) => {
    const c = clusterOf[i];
    const wrong = isWrong(row, threshold);
    if (c === null || c === undefined || wrong === null) return;
    const e = out.get(c) ?? { labelled: 0, wrong: 0 };
    e.labelled++;
    if (wrong) e.wrong++;
    out.set(c, e);
  });
  return out;
}
