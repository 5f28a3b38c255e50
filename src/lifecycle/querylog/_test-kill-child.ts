// For the kill test: a process that logs answered requests as fast as it can (optionally pruning all
// the while) and prints how many are committed, until it is killed. Args: <data_dir> <store.url|''> <prune 0|1>.
import { setImmediate as turn } from 'node:timers/promises';
import { createMetrics } from '../../core/metrics/index.js';
import { silentLogger } from '../../core/log/index.js';
import { systemClock } from '../../core/clock/index.js';
import { QueryLogWriter, openQueryStore, pruneQueries, queryImagesDir } from './index.js';
import { answered } from './_test-querylog.js';

const [dataDir, storeUrl, prune] = process.argv.slice(2);
const place = { dataDir: dataDir!, storeUrl: storeUrl ?? '' };
const store = await openQueryStore(place);
const writer = new QueryLogWriter(store, {
  queueSize: 2000,
  batchSize: 64,
  flushMs: 5,
  imagesDir: queryImagesDir(place),
  clock: systemClock(),
  logger: silentLogger(),
  metrics: createMetrics({ processMetrics: false }),
});
const pool = await Promise.all(
  Array.from({ length: 48 }, (_, i) => answered([(i * 37) % 256, (i * 91) % 256, (i * 53) % 256])),
);
setInterval(() => process.stdout.write(`logged ${writer.counts().logged}\n`), 10);
if (prune === '1') {
  const loop = async (): Promise<void> => {
    for (;;) {
      await pruneQueries(store, queryImagesDir(place), {
        maxEntries: 40,
        maxAgeMs: 0,
        maxBytes: 0,
        nowMs: Date.now(),
      });
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  void loop();
}
for (let n = 0; ; n++) {
  const r = pool[n % pool.length]!;
  writer.hook({ ...r, id: `k${n}`, receivedAtMs: Date.now() });
  if (n % 16 === 0) await turn();
}
