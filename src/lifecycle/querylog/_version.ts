// What a ranking of the log depends on, read cheaply: a cache of one (the web app's) is stale exactly
// when this changes.
import type { AsyncQueries, AsyncStore } from '../../core/store/index.js';
import { addCounters, readCounters } from './_counters.js';

/** The counter every change to the labels adds one to (`recordLabels`, `restoreLabel`). */
const LABEL_CHANGES = 'label_changes';

/** The state of the log a ranking was read from. */
export interface LogVersion {
  /** Requests kept: new traffic raises it, a prune lowers it. */
  readonly requests: number;
  /** The newest request's id (0 when empty): ids only grow. */
  readonly lastId: number;
  /** The latest `received_at` (0 when empty): a ranking read as of an earlier time left some out. */
  readonly lastReceivedAt: number;
  /** Changes to the labels so far, by any process on this store. */
  readonly labelChanges: number;
}

/** Reads the log's version: one aggregate over the requests and one counter. */
export async function logVersion(store: AsyncStore): Promise<LogVersion> {
  const q = await store.get<{ n: number | string; id: number | string | null; at: number | string | null }>(
    'SELECT count(*) AS n, max(id) AS id, max(received_at) AS at FROM queries',
  );
  const counters = await readCounters(store);
  return {
    requests: Number(q?.n ?? 0),
    lastId: Number(q?.id ?? 0),
    lastReceivedAt: Number(q?.at ?? 0),
    labelChanges: counters[LABEL_CHANGES] ?? 0,
  };
}

/** Whether two versions hold the same requests (no new traffic, no prune between them); labels aside. */
export function sameRequests(a: LogVersion, b: LogVersion): boolean {
  return a.requests === b.requests && a.lastId === b.lastId;
}

/** Counts a change to the labels, inside the transaction that makes it. */
export async function countLabelChange(tx: AsyncQueries): Promise<void> {
  await addCounters(tx, { [LABEL_CHANGES]: 1 });
}
