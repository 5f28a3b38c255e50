// `roadwork eval` records each challenge's label by image hash in the query log's store, so the
// miner's logged eval traffic becomes labelled data (`eval.record_labels`).
import type { Settings } from '../../core/config/index.js';
import type { Challenge } from '../../validation/validator/index.js';
import { imageKey, openQueryStore, recordLabels, type Label } from '../../lifecycle/querylog/index.js';
import { queryLogPlace } from '../miner/index.js';

/** Collects labels as challenges are sent; `save()` writes them in one transaction. */
export interface LabelRecorder {
  readonly onChallenge: (challenge: Challenge) => void;
  /** Writes the labels collected; resolves with how many. */
  save(): Promise<number>;
}

/** A recorder writing to the store the settings name (`store.url`, or `data_dir`'s SQLite file). */
export function labelRecorder(settings: Settings, by: string, now: () => number = Date.now): LabelRecorder {
  const labels = new Map<string, Label>();
  return {
    onChallenge(challenge) {
      // Hashing here, on the validator's side, costs the miner nothing; a repeated image keeps one label.
      const sha256 = imageKey(challenge.imageB64);
      labels.set(sha256, { sha256, label: challenge.label, source: 'eval', at: now(), by });
    },
    async save() {
      if (labels.size === 0) return 0;
      const store = await openQueryStore(queryLogPlace(settings));
      try {
        await recordLabels(store, [...labels.values()]);
      } finally {
        await store.close();
      }
      return labels.size;
    },
  };
}
