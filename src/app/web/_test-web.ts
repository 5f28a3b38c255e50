// For the web app's tests: a query log filled with real logged requests (real JPEGs through the real
// writer), and the app on it, listening on a loopback port.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMetrics, type Metrics } from '../../core/metrics/index.js';
import { silentLogger } from '../../core/log/index.js';
import { systemClock } from '../../core/clock/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import {
  QueryLogWriter,
  imageKey,
  openQueryStore,
  queryImagesDir,
  recordLabels,
} from '../../lifecycle/querylog/index.js';
import { answered } from '../../lifecycle/querylog/_test-querylog.js';
import { createWebApp, type WebApp, type WebOptions } from './index.js';

/** A filled query log and the app on it. */
export interface WebFixture {
  readonly url: string;
  readonly app: WebApp;
  readonly store: AsyncStore;
  readonly dataDir: string;
  /** The sha256 of each logged image, in logging order. */
  readonly shas: readonly string[];
  readonly metrics: Metrics;
  close(): Promise<void>;
}

/**
 * Logs `n` requests of distinct solid-colour images (prediction = red / 255; two stages that disagree
 * on every third; validators A and B alternating), labels the first by eval, and starts the app.
 */
export async function webFixture(n = 12, options: Partial<WebOptions> = {}): Promise<WebFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roadwork-web-'));
  const place = { dataDir, storeUrl: '' };
  const store = await openQueryStore(place);
  const metrics = createMetrics({ processMetrics: false });
  const writer = new QueryLogWriter(store, {
    queueSize: 1000,
    imagesDir: queryImagesDir(place),
    clock: systemClock(),
    logger: silentLogger(),
    metrics,
    flushMs: 5,
  });
  const shas: string[] = [];
  for (let i = 0; i < n; i++) {
    const red = Math.round((255 * (i + 0.5)) / n);
    const a = await answered([red, 40 + i * 7, 90], {
      validator: {
        hotkey: i % 2 === 0 ? '5ValidatorA' : '5ValidatorB',
        version: 42,
        generation: '0.4.x',
        stake: 10,
      },
      stages: [
        { stage: 'fast', probability: red / 255, ms: 1 },
        { stage: 'slow', probability: i % 3 === 0 ? 1 - red / 255 : red / 255, ms: 2 },
      ],
      embedding: Float32Array.from([red / 255, (i % 3) / 3, 0.5]),
      receivedAtMs: Date.now() - (n - i) * 60_000,
    });
    shas.push(imageKey(a.image));
    writer.hook(a);
  }
  await writer.flush();
  await writer.close();
  await recordLabels(store, [{ sha256: shas[0]!, label: 0, source: 'eval', at: 1, by: '5Eval' }]);
  const app = createWebApp(
    {
      store,
      imagesDir: queryImagesDir(place),
      dataDir,
      metrics: () => metrics.registry.metrics(),
      logger: silentLogger(),
    },
    { token: '', retrainArgs: ['--', '--data', '{labelled}'], ...options },
  );
  const address = await app.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    store,
    dataDir,
    shas,
    metrics,
    async close() {
      await app.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
