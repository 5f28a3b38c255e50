// The gallery's hard-case ranking and the cluster view's projection, kept between loads: reading and
// clustering the whole log takes seconds at tens of thousands of requests, and an operator reloads the
// gallery after every filter and label.
import type { AsyncStore } from '../../core/store/index.js';
import {
  logVersion,
  miningSnapshot,
  projectQueries,
  relabelProjection,
  relabelSnapshot,
  sameRequests,
  scoreHardCases,
  type HardCase,
  type LogVersion,
  type MiningSnapshot,
  type ProjectedQuery,
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
  readonly #turn = oneAtATime();

  constructor(store: AsyncStore) {
    this.#store = store;
  }

  /** The best `limit` hard cases of the log as of `now`. */
  cases(now: number, limit: number): Promise<readonly HardCase[]> {
    return this.#turn(() => this.#cases(now, limit));
  }

  async #cases(now: number, limit: number): Promise<readonly HardCase[]> {
    const version = await logVersion(this.#store);
    const kept = this.#kept;
    let snapshot: MiningSnapshot;
    if (kept === undefined || !sameRead(kept, version, now)) {
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
function sameRead(kept: Kept, version: LogVersion, now: number): boolean {
  const v = kept.version;
  if (!sameRequests(v, version)) return false;
  const readAt = kept.snapshot.now ?? Infinity;
  return readAt === now || (readAt >= v.lastReceivedAt && now >= v.lastReceivedAt);
}

/**
 * `projectQueries` over the whole log, remembered: the cluster view and the gallery's cluster filter
 * read it. New traffic or a prune projects and clusters again; a label re-reads only the labels.
 */
export class ProjectionCache {
  readonly #store: AsyncStore;
  #kept: { readonly version: LogVersion; readonly points: readonly ProjectedQuery[] } | undefined;
  readonly #turn = oneAtATime();

  constructor(store: AsyncStore) {
    this.#store = store;
  }

  /** Every image with an embedding, newest first, on the plane and in its cluster. */
  points(): Promise<readonly ProjectedQuery[]> {
    return this.#turn(() => this.#points());
  }

  async #points(): Promise<readonly ProjectedQuery[]> {
    // Read before the log: traffic that lands in between only makes the next call project again.
    const version = await logVersion(this.#store);
    const kept = this.#kept;
    let points: readonly ProjectedQuery[];
    if (kept === undefined || !sameRequests(kept.version, version)) {
      points = await projectQueries(this.#store, { limit: Infinity });
    } else if (kept.version.labelChanges !== version.labelChanges) {
      points = await relabelProjection(this.#store, kept.points);
    } else return kept.points;
    this.#kept = { version, points };
    return points;
  }
}

/** Runs the calls given to it one at a time: loads that arrive together wait for one read of the log. */
function oneAtATime(): <T>(call: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (call) => {
    const next = tail.then(call);
    tail = next.catch(() => undefined);
    return next;
  };
}
