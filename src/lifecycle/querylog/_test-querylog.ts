// For the query log's tests: answered requests made of real JPEGs, and a store per test on SQLite or
// on a real PostgreSQL, so one suite runs against both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { decodeBase64Image } from '../../inference/image/index.js';
import { solidJpeg } from '../../wire/axon/_test-support.js';
import type { AnsweredRequest } from '../../wire/axon/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import { postgresMissing, startTestPostgres, type TestPostgres } from '../../core/store/_test-postgres.js';
import { requirement } from '../../../test/fixtures/requirements.js';
import { systemClock } from '../../core/clock/index.js';
import { silentLogger } from '../../core/log/index.js';
import { createMetrics } from '../../core/metrics/index.js';
import {
  QueryLogWriter,
  imagePath,
  openQueryStore,
  queryImagesDir,
  recordLabels,
  type Label,
  type QueryLogPlace,
} from './index.js';

/** An answered request as the axon hands it over, for a solid-colour JPEG. */
export async function answered(
  rgb: readonly [number, number, number],
  extra: Partial<AnsweredRequest> = {},
): Promise<AnsweredRequest> {
  const image = await solidJpeg(rgb, 48);
  return {
    id: `r-${rgb.join('-')}-${Math.random().toString(36).slice(2, 8)}`,
    synapse: 'ImageSynapse',
    receivedAtMs: Date.now(),
    validator: { hotkey: '5Validator', version: 42, generation: '0.4.x', stake: 1000 },
    image,
    decoded: await decodeBase64Image(image),
    prediction: rgb[0] / 255,
    modelVersion: 'cascade-1',
    stages: [{ stage: 'red', probability: rgb[0] / 255, ms: 1.5 }],
    timings: { receiveMs: 1, verifyMs: 2, queueMs: 0, decodeMs: 3, predictMs: 4, totalMs: 11 },
    ...extra,
  };
}

/** A backend the suite runs on: `open()` gives a fresh, empty query log (store and images folder). */
export interface Backend {
  readonly name: string;
  /** false, or why this backend is skipped. */
  readonly skip: false | string;
  open(): Promise<{ store: AsyncStore; place: QueryLogPlace; imagesDir: string }>;
}

/** SQLite and PostgreSQL backends, set up before and torn down after the file's tests. */
export function backends(): readonly Backend[] {
  const root = mkdtempSync(join(tmpdir(), 'roadwork-querylog-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const fresh = async (storeUrl: () => Promise<string>) => {
    const place = { dataDir: join(root, `d${n++}`), storeUrl: await storeUrl() };
    return { store: await openQueryStore(place), place, imagesDir: queryImagesDir(place) };
  };
  const pgSkip = requirement(postgresMissing());
  let server: TestPostgres | undefined;
  if (pgSkip === false) {
    before(async () => {
      server = await startTestPostgres();
    });
    after(() => server?.stop());
  } else console.log(`# PostgreSQL query log tests ${pgSkip}`);
  return [
    { name: 'SQLite', skip: false, open: () => fresh(async () => '') },
    { name: 'PostgreSQL', skip: pgSkip, open: () => fresh(() => server!.createDatabase(`q${n}`)) },
  ];
}

/**
 * No request row names an image that lacks its row or its file. An image row no request names may
 * lack its file (a kill mid-prune, after the unlink and before the commit): nothing reads it, the
 * writer puts the file back if the image is sent again, and the next prune drops the row.
 */
export async function assertConsistent(store: AsyncStore, imagesDir: string): Promise<void> {
  const named = await store.all<{ sha256: string; ext: string }>(
    'SELECT DISTINCT i.sha256, i.ext FROM query_images i JOIN queries q ON q.image_sha256 = i.sha256',
  );
  for (const r of named) assert.ok(existsSync(imagePath(imagesDir, r.sha256, r.ext)), `file of ${r.sha256}`);
  const dangling = await store.all(
    'SELECT q.id FROM queries q LEFT JOIN query_images i ON i.sha256 = q.image_sha256 WHERE i.sha256 IS NULL',
  );
  assert.deepEqual(dangling, []);
}

/**
 * A query log at `place` as the miner leaves it: `requests` written by the real writer (to the end),
 * then `labels` recorded, as `roadwork eval` or an operator records them.
 */
export async function writeQueryLog(
  place: QueryLogPlace,
  requests: readonly AnsweredRequest[],
  labels: readonly Label[] = [],
): Promise<void> {
  const store = await openQueryStore(place);
  try {
    const writer = new QueryLogWriter(store, {
      queueSize: Math.max(10, requests.length),
      imagesDir: queryImagesDir(place),
      clock: systemClock(),
      logger: silentLogger(),
      metrics: createMetrics({ processMetrics: false }),
      flushMs: 10,
    });
    for (const r of requests) writer.hook(r);
    await writer.close();
    await recordLabels(store, labels);
  } finally {
    await store.close();
  }
}
