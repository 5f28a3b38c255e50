// `roadwork eval` records each challenge's label by image hash in the query log's store, so the
// miner's logged eval traffic becomes labelled data (`eval.record_labels`).
import type { Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import type { Challenge } from '../../validation/validator/index.js';
import { imageKey, openQueryStore, recordLabels, type Label } from '../../lifecycle/querylog/index.js';
import { queryLogPlace } from '../miner/index.js';

/** Collects labels as challenges are sent and writes them in batches while the run goes on. */
export interface LabelRecorder {
  readonly onChallenge: (challenge: Challenge) => void;
  /**
   * Writes what is left, waits for the writes and closes the store; resolves with how many distinct
   * images were labelled. Fails, saying how many labels were lost, when some could not be written.
   */
  save(): Promise<number>;
}

/** When `labelRecorder` writes a batch: whichever comes first. */
export interface LabelRecorderOptions {
  /** Labels waiting (default 200). */
  readonly every?: number;
  /** Milliseconds since the last write, checked as a challenge arrives (default 10 000). */
  readonly everyMs?: number;
  readonly now?: () => number;
}

/**
 * A recorder writing to the store the settings name (`store.url`, or `data_dir`'s SQLite file). Labels
 * go out in batches during the run, each in one transaction, so the gallery shows them while the eval
 * runs and a killed eval loses at most the last batch. A batch that fails is tried again with the next.
 */
export function labelRecorder(
  settings: Settings,
  by: string,
  options: LabelRecorderOptions = {},
): LabelRecorder {
  const now = options.now ?? Date.now;
  const every = options.every ?? 200;
  const everyMs = options.everyMs ?? 10_000;
  let pending = new Map<string, Label>();
  const recorded = new Set<string>();
  let lastWrite = now();
  let store: Promise<AsyncStore> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown;

  const writeBatch = async (batch: Map<string, Label>): Promise<void> => {
    try {
      store ??= openQueryStore(queryLogPlace(settings)).catch((err: unknown) => {
        store = undefined;
        throw err;
      });
      await recordLabels(await store, [...batch.values()]);
      for (const sha256 of batch.keys()) recorded.add(sha256);
    } catch (err) {
      failure = err;
      // Kept for the next batch; a newer label of the same image wins.
      for (const [sha256, label] of batch) if (!pending.has(sha256)) pending.set(sha256, label);
    }
  };
  const write = (): Promise<void> => {
    lastWrite = now();
    if (pending.size > 0) {
      const batch = pending;
      pending = new Map();
      writing = writing.then(() => writeBatch(batch));
    }
    return writing;
  };

  return {
    onChallenge(challenge) {
      // Hashing here, on the validator's side, costs the miner nothing; a repeated image keeps one label.
      const sha256 = imageKey(challenge.imageB64);
      pending.set(sha256, { sha256, label: challenge.label, source: 'eval', at: now(), by });
      if (pending.size >= every || now() - lastWrite >= everyMs) void write();
    },
    async save() {
      await write();
      const opened = store;
      store = undefined;
      await (await opened?.catch(() => undefined))?.close();
      if (pending.size > 0) {
        const cause = failure instanceof Error ? failure.message : String(failure);
        throw new RoadworkError(
          'ERR_STORE',
          `${pending.size} labels were not recorded (${recorded.size} were): ${cause}`,
          { cause: failure },
        );
      }
      return recorded.size;
    },
  };
}
