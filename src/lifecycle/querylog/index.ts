/**
 * The query log: every answered request (the image as sent, its hashes, the backbone embedding, each
 * stage's output, the prediction, the validator, the timings), written off the answer's path, kept
 * within retention limits, labelled (by an operator or by eval), counted and exported.
 */
import { join } from 'node:path';
import { openAsyncStore, type AsyncStore } from '../../core/store/index.js';
import { NAMESPACE, QUERYLOG_MIGRATIONS } from './_schema.js';
import { recoverTrash } from './_trash.js';

export { QueryLogWriter, type QueryLogCounts, type QueryLogWriterOptions } from './_writer.js';
export { pruneQueries, type PruneResult, type RetentionLimits } from './_retention.js';
export { queryStats, type QueryStats } from './_stats.js';
export { imageKey, labelOf, recordLabels, restoreLabel, type Label, type LabelSource } from './_labels.js';
export { browseQueries, loggedImage, type BrowseFilter, type BrowsedQuery } from './_browse.js';
export {
  EXPORT_FORMATS,
  exportQueries,
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
} from './_export.js';
export { imagePath } from './_images.js';
export { embeddingOf } from './_row.js';
export {
  miningSnapshot,
  rankHardCases,
  relabelSnapshot,
  scoreHardCases,
  type HardCase,
  type HardCaseOptions,
  type HardCaseReason,
  type MiningSnapshot,
} from './_hard.js';
export { logVersion, sameRequests, type LogVersion } from './_version.js';
export { similarQueries, type SimilarQuery } from './_similar.js';
export { projectQueries, relabelProjection, type ProjectedQuery } from './_project.js';
export { QUERYLOG_MIGRATIONS } from './_schema.js';

/** Where the query log lives: `store.url` (empty: a SQLite file in `data_dir`) and `data_dir`. */
export interface QueryLogPlace {
  /** `store.url`: a `postgres://` URL, or empty. */
  readonly storeUrl: string;
  /** `data_dir`, `~` expanded. */
  readonly dataDir: string;
}

/**
 * The store's location: `store.url`, or `<data_dir>/querylog.sqlite` — a file of its own rather than
 * `roadwork.sqlite`, so the miner's steady writes never contend with the registry's commands for one
 * write lock, and retention or a `VACUUM` touches nothing else.
 */
export function queryStoreLocation(place: QueryLogPlace): string {
  return place.storeUrl !== '' ? place.storeUrl : join(place.dataDir, 'querylog.sqlite');
}

/** The folder of the logged images: `<data_dir>/queries` (for SQLite and PostgreSQL alike). */
export function queryImagesDir(place: QueryLogPlace): string {
  return join(place.dataDir, 'queries');
}

/** Opens (creating and migrating) the query log's store, and settles what a killed prune left behind. */
export async function openQueryStore(place: QueryLogPlace): Promise<AsyncStore> {
  const store = await openAsyncStore(queryStoreLocation(place), {
    migrations: QUERYLOG_MIGRATIONS,
    namespace: NAMESPACE,
  });
  try {
    await recoverTrash(store, queryImagesDir(place));
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
