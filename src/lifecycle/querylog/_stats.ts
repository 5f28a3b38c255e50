// What the query log holds, in numbers: `roadwork queries stats`.
import type { AsyncStore } from '../../core/store/index.js';
import { readCounters } from './_counters.js';

/** The counts `roadwork queries stats` prints. */
export interface QueryStats {
  /** Requests logged (kept after retention). */
  readonly logged: number;
  /** Distinct images and their bytes on disk. */
  readonly images: number;
  readonly bytes: number;
  /** Logged requests whose image has a label. */
  readonly labelled: number;
  /** Logged requests by label (`roadwork`, `not`, `unlabelled`). */
  readonly byLabel: Readonly<Record<string, number>>;
  /** Labels by source (`operator`, `eval`), whether or not their image is still logged. */
  readonly labelsBySource: Readonly<Record<string, number>>;
  readonly byValidator: Readonly<Record<string, number>>;
  /** By `bt_header_dendrite_version` and generation, e.g. `42 (0.4)`; `none` when absent. */
  readonly byVersion: Readonly<Record<string, number>>;
  readonly byModel: Readonly<Record<string, number>>;
  /** Requests answered but never logged, over the store's life (queue full, write failed). */
  readonly dropped: { readonly full: number; readonly error: number };
  /** Oldest and newest request kept, ms since epoch (absent when empty). */
  readonly firstMs?: number;
  readonly lastMs?: number;
}

function tally(rows: readonly { k: string | number | null; n: number }[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [String(r.k ?? 'none'), Number(r.n)]));
}

/** Reads the counts. */
export async function queryStats(store: AsyncStore): Promise<QueryStats> {
  const head = await store.get<{ n: number; first: number | null; last: number | null }>(
    'SELECT count(*) AS n, min(received_at) AS first, max(received_at) AS last FROM queries',
  );
  const imgs = await store.get<{ n: number; b: number | null }>(
    'SELECT count(*) AS n, sum(bytes) AS b FROM query_images',
  );
  const byLabel = tally(
    await store.all(
      `SELECT CASE WHEN l.label = 1 THEN 'roadwork' WHEN l.label = 0 THEN 'not' ELSE 'unlabelled' END AS k, count(*) AS n
       FROM queries q LEFT JOIN labels l ON l.sha256 = q.image_sha256 GROUP BY 1 ORDER BY 1`,
    ),
  );
  const counters = await readCounters(store);
  return {
    logged: Number(head?.n ?? 0),
    images: Number(imgs?.n ?? 0),
    bytes: Number(imgs?.b ?? 0),
    labelled: (byLabel.roadwork ?? 0) + (byLabel.not ?? 0),
    byLabel,
    labelsBySource: tally(
      await store.all('SELECT source AS k, count(*) AS n FROM labels GROUP BY source ORDER BY source'),
    ),
    byValidator: tally(
      await store.all(
        'SELECT validator AS k, count(*) AS n FROM queries GROUP BY validator ORDER BY n DESC, validator',
      ),
    ),
    byVersion: tally(
      await store.all(
        `SELECT CASE WHEN dendrite_version IS NULL THEN 'none (' || generation || ')'
                ELSE CAST(dendrite_version AS TEXT) || ' (' || generation || ')' END AS k, count(*) AS n
         FROM queries GROUP BY 1 ORDER BY 1`,
      ),
    ),
    byModel: tally(
      await store.all(
        'SELECT model_version AS k, count(*) AS n FROM queries GROUP BY model_version ORDER BY n DESC',
      ),
    ),
    dropped: { full: counters.dropped_full ?? 0, error: counters.dropped_error ?? 0 },
    ...(head?.first == null ? {} : { firstMs: Number(head.first), lastMs: Number(head.last) }),
  };
}
