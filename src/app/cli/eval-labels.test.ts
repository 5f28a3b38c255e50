// roadwork eval's label recorder: batches reach the query log while the run goes on, so a killed eval
// loses at most the last one; a store it cannot reach loses nothing silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../core/config/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import { imageKey, labelOf, openQueryStore } from '../../lifecycle/querylog/index.js';
import type { Challenge } from '../../validation/validator/index.js';
import { labelRecorder } from './_eval-labels.js';

const challenge = (i: number, label: 0 | 1): Challenge => ({
  imageB64: Buffer.from(`image ${i}`).toString('base64'),
  label,
  group: 'g',
  sourceId: `s${i}`,
  protocol: '0.4',
});

async function labelled(store: AsyncStore, shas: readonly string[]): Promise<number> {
  let n = 0;
  for (const sha of shas) if ((await labelOf(store, sha)) !== undefined) n++;
  return n;
}

test('labels are written in batches during the run, the rest at save(), one per distinct image', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-labels-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const settings = loadConfig({ defaults: { data_dir: dir }, env: {} });
  // The miner's store, made long before an eval starts; read here as the web app reads it.
  const store = await openQueryStore({ dataDir: dir, storeUrl: '' });
  t.after(() => store.close());
  const recorder = labelRecorder(settings, '5Eval', { every: 3, everyMs: 60_000 });
  const sent = [0, 1, 2, 3].map((i) => challenge(i, i % 2 === 0 ? 1 : 0));
  const shas = sent.map((c) => imageKey(c.imageB64));
  for (const c of sent.slice(0, 3)) recorder.onChallenge(c);
  recorder.onChallenge(sent[0]!); // a repeat: still one label
  const deadline = Date.now() + 10_000;
  while ((await labelled(store, shas)) < 3 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  assert.equal(await labelled(store, shas), 3, 'the first batch is in the store before the run ends');
  recorder.onChallenge(sent[3]!);
  assert.equal(await recorder.save(), 4);
  assert.equal(await labelled(store, shas), 4);
  assert.deepEqual(
    [(await labelOf(store, shas[0]!))?.label, (await labelOf(store, shas[1]!))?.source],
    [1, 'eval'],
  );
});

test('a store that cannot be reached fails save() saying how many labels were lost', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'eval-labels-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // A data_dir under a regular file: SQLite cannot create its file there.
  await writeFile(join(dir, 'file'), '');
  const settings = loadConfig({ defaults: { data_dir: join(dir, 'file', 'state') }, env: {} });
  const recorder = labelRecorder(settings, '5Eval', { every: 2 });
  for (let i = 0; i < 5; i++) recorder.onChallenge(challenge(i, 1));
  await assert.rejects(
    recorder.save(),
    (err: Error & { code?: string }) =>
      err.code === 'ERR_STORE' && /5 labels were not recorded \(0 were\)/.test(err.message),
  );
});
