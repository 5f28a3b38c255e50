// The gallery's hard-case ranking, kept between loads: reading and clustering the whole log takes
// seconds at tens of thousands of requests, and an operator reloads the gallery after every filter.
import type { AsyncStore } from '../../core/store/index.js';
import {
  logVersion,
  miningSnapshot,
  relabelSnapshot,
  scoreHardCases,
  type HardCase,
  type LogVersion,
  type MiningSnapshot,
} from '../../lifecycle/querylog/index.js';

interface Kept {
  readonly version: LogVersion;
  readonly snapshot: MiningSnapshot;
  readonly limit: number;
  readonly cases: readonly HardCase[];
}

/**
 * `rankHardCases`, remembered. Stale exactly when the log changes: new traffic or a prune (the requests'
 * count or newest id) reads and clusters again; a label (the store's label-change counter, bumped by every
 * process that labels) re-reads only the labels and scores again, since clusters ignore labels. A ranking
 * read as of an earlier `now` that left some requests out is not reused for a later one.
 */
export class HardCaseCache {
  readonly #store: AsyncStore;
  #kept: Kept | undefined;
  // One ranking at a time: loads that arrive together wait for it instead of each reading the log.
  #tail: Promise<unknown> = Promise.resolve();

  constructor(store: AsyncStore) {
    this.#store = store;
  }

  /** The best `limit` hard cases of the log as of `now`. */
  cases(now: number, limit: number): Promise<readonly HardCase[]> {
    const next = this.#tail.then(() => this.#cases(now, limit));
    this.#tail = next.catch(() => undefined);
    return next;
  }

  async #cases(now: number, limit: number): Promise<readonly HardCase[]> {
    const version = await logVersion(this.#store);
    const kept = this.#kept;
    let snapshot: MiningSnapshot;
    if (kept === undefined || !sameRequests(kept, version, now)) {
      snapshot = await miningSnapshot(this.#store, now);
    } else if (kept.version.labelChanges !== version.labelChanges) {
      snapshot = await relabelSnapshot(this.#store, kept.snapshot);
    } else if (kept.limit === limit) {
      return kept.cases;
    } else snapshot = kept.snapshot;
    const cases = scoreHardCases(snapshot, { limit });
    this.#kept = { version, snapshot, limit, cases };
    return cases;
  }
}

// The kept snapshot holds the same requests a new read as of `now` would.
function sameRequests(kept: Kept, version: LogVersion, now: number): boolean {
  const v = kept.version;
  if (v.requests !== version.requests || v.lastId !== version.lastId) return false;
  const readAt = kept.snapshot.now ?? Infinity;
  return readAt === now || (readAt >= v.lastReceivedAt && now >= v.lastReceivedAt);
}
