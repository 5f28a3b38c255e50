// Browsing the query log: one row per distinct image (its latest request), filtered, for the web app.
import type { AsyncStore } from '../../core/store/index.js';

/** What `browseQueries` filters on; every field is optional. */
export interface BrowseFilter {
  /** Received at or after / before, ms since epoch. */
  readonly from?: number;
  readonly to?: number;
  readonly validator?: string;
  /** The final prediction within [min, max]. */
  readonly minPrediction?: number;
  readonly maxPrediction?: number;
  /** Only images whose stages answered on both sides of 0.5 (true, as hard-case mining judges it), or only those that agreed (false). */
  readonly disagreement?: boolean;
  /** Only labelled (true) or unlabelled (false) images. */
  readonly labelled?: boolean;
  /** Only images with this label. */
  readonly label?: 0 | 1;
  /** Rows returned at most. Default 200. */
  readonly limit?: number;
}

/** One distinct image as the gallery shows it. */
export interface BrowsedQuery {
  /** The latest request's id. */
  readonly id: number;
  readonly sha256: string;
  readonly ext: string;
  readonly width: number;
  readonly height: number;
  readonly receivedAt: number;
  readonly validator: string;
  readonly version: number | null;
  readonly generation: string;
  readonly prediction: number;
  readonly modelVersion: string;
  readonly stages: readonly { readonly stage: string; readonly probability: number }[];
  /** Whether the stages answered on both sides of 0.5. */
  readonly disagreement: boolean;
  readonly label: 0 | 1 | null;
  readonly labelSource: string | null;
}

interface Row {
  id: number;
  sha256: string;
  ext: string;
  width: number;
  height: number;
  received_at: number;
  validator: string;
  dendrite_version: number | null;
  generation: string;
  prediction: number;
  model_version: string;
  stages: string;
  label: number | null;
  label_source: string | null;
}

/**
 * How many of the newest matching images are read before the stage filter: the stages are JSON, so
 * disagreement is judged here rather than in SQL written twice; a gallery never needs more.
 */
const SCAN = 5000;

function stagesOf(json: string): BrowsedQuery['stages'] {
  try {
    const parsed = JSON.parse(json) as { stage?: unknown; probability?: unknown; skipped?: unknown }[];
    return (
      parsed
        // As hard-case mining reads them: a skipped stage and the cache's replay say nothing.
        .filter((s) => typeof s.probability === 'number' && s.skipped === undefined && s.stage !== 'cache')
        .map((s) => ({ stage: String(s.stage), probability: s.probability as number }))
    );
  } catch {
    return [];
  }
}

/** The newest distinct images matching `filter`, newest first. */
export async function browseQueries(
  store: AsyncStore,
  filter: BrowseFilter = {},
): Promise<readonly BrowsedQuery[]> {
  const where = ['q.id IN (SELECT max(id) FROM queries GROUP BY image_sha256)'];
  const args: unknown[] = [];
  const add = (sql: string, value: unknown) => (where.push(sql), args.push(value));
  if (filter.from !== undefined) add('q.received_at >= ?', filter.from);
  if (filter.to !== undefined) add('q.received_at < ?', filter.to);
  if (filter.validator !== undefined) add('q.validator = ?', filter.validator);
  if (filter.minPrediction !== undefined) add('q.prediction >= ?', filter.minPrediction);
  if (filter.maxPrediction !== undefined) add('q.prediction <= ?', filter.maxPrediction);
  if (filter.label !== undefined) add('l.label = ?', filter.label);
  if (filter.labelled !== undefined) where.push(filter.labelled ? 'l.label IS NOT NULL' : 'l.label IS NULL');
  const rows = await store.all<Row>(
    `SELECT q.id, q.image_sha256 AS sha256, i.ext, i.width, i.height, q.received_at, q.validator,
            q.dendrite_version, q.generation, q.prediction, q.model_version, q.stages, l.label,
            l.source AS label_source
     FROM queries q JOIN query_images i ON i.sha256 = q.image_sha256
     LEFT JOIN labels l ON l.sha256 = q.image_sha256
     WHERE ${where.join(' AND ')} ORDER BY q.id DESC LIMIT ${SCAN}`,
    args,
  );
  const out: BrowsedQuery[] = [];
  for (const r of rows) {
    const stages = stagesOf(r.stages);
    const disagreement = stages.some((s) => s.probability > 0.5) && stages.some((s) => s.probability <= 0.5);
    if (filter.disagreement !== undefined && filter.disagreement !== disagreement) continue;
    out.push({
      id: Number(r.id),
      sha256: r.sha256,
      ext: r.ext,
      width: Number(r.width),
      height: Number(r.height),
      receivedAt: Number(r.received_at),
      validator: r.validator,
      version: r.dendrite_version === null ? null : Number(r.dendrite_version),
      generation: r.generation,
      prediction: Number(r.prediction),
      modelVersion: r.model_version,
      stages,
      disagreement,
      label: r.label === null ? null : Number(r.label) === 1 ? 1 : 0,
      labelSource: r.label_source,
    });
    if (out.length >= (filter.limit ?? 200)) break;
  }
  return out;
}

/** The image of a logged request by its sha256 (its file extension), if logged. */
export async function loggedImage(
  store: AsyncStore,
  sha256: string,
): Promise<{ readonly ext: string } | undefined> {
  return store.get<{ ext: string }>('SELECT ext FROM query_images WHERE sha256 = ?', [sha256]);
}
