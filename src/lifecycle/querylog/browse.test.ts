// Browsing the query log and restoring labels, on SQLite and on a real PostgreSQL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../core/metrics/index.js';
import { silentLogger } from '../../core/log/index.js';
import { systemClock } from '../../core/clock/index.js';
import { QueryLogWriter, browseQueries, imageKey, labelOf, recordLabels, restoreLabel } from './index.js';
import { answered, backends } from './_test-querylog.js';

for (const backend of backends()) {
  describe(`browsing the query log on ${backend.name}`, { skip: backend.skip }, () => {
    test('browseQueries() gives one row per image, filtered by validator, band, stages and label', async () => {
      const { store, imagesDir } = await backend.open();
      try {
        const w = new QueryLogWriter(store, {
          queueSize: 100,
          imagesDir,
          clock: systemClock(),
          logger: silentLogger(),
          metrics: createMetrics({ processMetrics: false }),
          flushMs: 5,
        });
        const a = await answered([200, 0, 0], {
          stages: [
            { stage: 'fast', probability: 0.8, ms: 1 },
            { stage: 'slow', probability: 0.2, ms: 1 },
          ],
        });
        const b = await answered([20, 0, 0], {
          validator: { hotkey: '5B', version: 1, generation: '0.4.x', stake: 1 },
        });
        for (const r of [a, b, { ...a, id: 'again' }]) w.hook(r);
        await w.close();
        assert.equal((await browseQueries(store)).length, 2);
        assert.deepEqual(
          (await browseQueries(store, { validator: '5B' })).map((r) => r.sha256),
          [imageKey(b.image)],
        );
        assert.deepEqual(
          (await browseQueries(store, { minPrediction: 0.5 })).map((r) => r.sha256),
          [imageKey(a.image)],
        );
        const [disagree] = await browseQueries(store, { disagreement: true });
        assert.equal(disagree?.sha256, imageKey(a.image));
        assert.deepEqual(
          disagree?.stages.map((s) => s.stage),
          ['fast', 'slow'],
        );
        await recordLabels(store, [{ sha256: imageKey(b.image), label: 1, source: 'eval', at: 5, by: 'e' }]);
        assert.deepEqual(
          (await browseQueries(store, { label: 1 })).map((r) => r.labelSource),
          ['eval'],
        );
        assert.equal((await browseQueries(store, { labelled: false })).length, 1);
      } finally {
        await store.close();
      }
    });

    test('restoreLabel() puts back an eval label over an operator one, or removes the label', async () => {
      const { store } = await backend.open();
      try {
        const sha = 'a'.repeat(64);
        const evalLabel = { sha256: sha, label: 0 as const, source: 'eval' as const, at: 5, by: 'e' };
        await recordLabels(store, [evalLabel]);
        await recordLabels(store, [{ sha256: sha, label: 1, source: 'operator', at: 6, by: 'ui' }]);
        await restoreLabel(store, sha, evalLabel);
        assert.deepEqual(await labelOf(store, sha), evalLabel);
        await restoreLabel(store, sha, undefined);
        assert.equal(await labelOf(store, sha), undefined);
      } finally {
        await store.close();
      }
    });
  });
}
