// `roadwork retrain` under traffic: a miner following the registry logs the signed requests it answers,
// their images are labelled, one retrain cycle trains on the scenes plus those labelled queries and
// promotes; the miner switches to the new version while requests keep coming, and none fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { postSigned, sceneJpeg, signedRequest, startTestMiner } from '../../../test/_harness.js';
import { textSink } from '../../../test/fixtures/streams.js';
import type { AsyncStore } from '../../core/store/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { getVersion } from '../../lifecycle/registry/index.js';
import { imageKey, openQueryStore, recordLabels } from '../../lifecycle/querylog/index.js';
import { retrainCommand, type RetrainResult } from './retrain.js';
import { inSceneFolder, views2004 } from './_test-scenes.js';

/** Polls `probe` until it answers true (bounded). */
async function until(what: string, probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    assert.ok(Date.now() < end, `${what}: not seen after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The logged answers in order: which stages answered, and the model version. */
async function answers(store: AsyncStore): Promise<{ stage: string; version: string }[]> {
  const rows = await store.all<{ stages: string; model_version: string }>(
    'SELECT stages, model_version FROM queries ORDER BY id',
  );
  return rows.map((r) => ({
    stage: (JSON.parse(r.stages) as { stage: string }[]).map((s) => s.stage).join(','),
    version: r.model_version,
  }));
}

test(
  'a retrain cycle trains on the labelled query log and a following miner switches to it under signed traffic, failing no request',
  { timeout: 600_000 },
  () =>
    inSceneFolder('retrain-traffic-', async (root, data) => {
      const state = join(root, 'state');
      const m = await startTestMiner({ 'registry.follow': true, 'registry.poll_s': 1, data_dir: state });
      const queries = await openQueryStore({ dataDir: state, storeUrl: '' });
      let traffic: Promise<void> = Promise.resolve();
      let stop = false;
      try {
        // Twelve distinct street scenes, half with roadwork, sent as a validator sends them.
        const images = await Promise.all(
          Array.from({ length: 12 }, async (_, i) => ({
            base64: (await sceneJpeg(`retrain-traffic-${i}`, i % 2 === 0)).toString('base64'),
            label: i % 2 === 0 ? (1 as const) : (0 as const),
          })),
        );
        let nonce = BigInt(Date.now()) * 1_000_000n;
        const statuses: number[] = [];
        const failures: string[] = [];
        const ask = async (image: string): Promise<void> => {
          // Increasing, and never behind the clock (the axon refuses nonces older than its window).
          const now = BigInt(Date.now()) * 1_000_000n;
          nonce = now > nonce ? now : nonce + 1_000n;
          // A request that never settles (a reset connection) counts as failed (0), not as a hang.
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<{ status: number; text: string }>((resolve) => {
            timer = setTimeout(() => resolve({ status: 0, text: 'no answer in 20 s' }), 20_000);
          });
          const reply = await Promise.race([
            postSigned(m.port, signedRequest(m.port, { image, nonce })),
            late,
          ]);
          clearTimeout(timer);
          statuses.push(reply.status);
          if (reply.status !== 200)
            failures.push(`${new Date().toISOString()} ${reply.status} ${reply.text}`);
        };
        for (const image of images) await ask(image.base64);
        await until('the twelve images in the query log', async () => {
          const row = await queries.get<{ n: number }>('SELECT count(*) AS n FROM query_images');
          return Number(row?.n) === 12;
        });
        // An operator labels what was logged.
        await recordLabels(
          queries,
          images.map((img, i) => ({
            sha256: imageKey(img.base64),
            label: img.label,
            source: 'operator' as const,
            at: i,
            by: 'test',
          })),
        );

        // Requests one after another (a short pause leaves the cores to training) for the whole cycle.
        traffic = (async () => {
          for (let i = 0; !stop; i++) {
            await ask(images[i % images.length]!.base64);
            await new Promise((r) => setTimeout(r, 100));
          }
        })();
        const out = textSink();
        const err = textSink();
        const command = retrainCommand({}, { stdout: out.stream, stderr: err.stream });
        command.exitOverride();
        await command.parseAsync(
          [
            ...['--challenges', 'synth:16', '--n', '16', '--margin', '-2', '--json'],
            ...['--data_dir', state, '--model.workers', '1', '--querylog-min', '10'],
            ...['--', ...views2004(root, data), '--l2', '1'],
          ],
          { from: 'user' },
        );
        const result = JSON.parse(out.text().trim()) as RetrainResult;
        assert.equal(result.promoted, true, err.text());
        assert.equal(result.querylogImages, 12);
        assert.match(err.text(), /retrain: training adds 12 labelled query-log images \(6 roadwork\)/);

        // The version's data names both folders: the scenes, and the query log's twelve images.
        const registry = openStore(storeFile(state), { readonly: true });
        const version = (() => {
          try {
            return getVersion(registry, result.version);
          } finally {
            registry.close();
          }
        })();
        assert.match(version.dataVersion ?? '', / \+ folder:.*\/querylog@d-[0-9a-f]{16}$/);
        const trainedOn = version.manifest.metrics.data as {
          images: number;
          folders: { folder: string; images: number; positives: number }[];
        };
        assert.equal(trainedOn.images, 16 + 12);
        assert.deepEqual(
          trainedOn.folders.map((f) => [f.folder.split('/').at(-1), f.images, f.positives]),
          [
            ['data', 16, 8],
            ['querylog', 12, 6],
          ],
        );

        // The miner switches to the trained version ('trained' stage) while the requests go on.
        await until('an answer from the trained version', async () =>
          (await answers(queries)).some((a) => a.stage === 'trained'),
        );
        const switched = statuses.length;
        await until('ten more answers', async () => statuses.length >= switched + 10);
        stop = true;
        await traffic;
        assert.deepEqual(failures, [], `${statuses.length} requests, none failed across the switch`);
        let seen = 0;
        await until(`every answer logged (${statuses.length})`, async () => {
          seen = (await answers(queries)).length;
          return seen >= statuses.length;
        }).catch((e: Error) => assert.fail(`${e.message}; logged ${seen}`));
        // Answers in order, by model version: the starter's (its stage, or the prediction cache's),
        // then from the switch on only the trained version's.
        const logged = await answers(queries);
        const before = logged[0]!.version;
        const first = logged.findIndex((a) => a.version !== before);
        assert.ok(first >= 12, `the starter answered before the promotion (first other version at ${first})`);
        const stages = (rows: typeof logged) => [...new Set(rows.map((a) => a.stage))].sort();
        assert.deepEqual(stages(logged.slice(0, first)), ['cache', 'starter']);
        const after = logged.slice(first);
        assert.ok(after.length >= 10);
        assert.deepEqual(
          [...new Set(after.map((a) => a.version))],
          [after[0]!.version],
          'no answer from the old version after the switch',
        );
        assert.deepEqual(
          stages(after).filter((s) => s !== 'cache'),
          ['trained'],
        );
      } finally {
        stop = true;
        await traffic.catch(() => undefined);
        await queries.close();
        await m.stop();
      }
    }),
);
