// `roadwork publish` and `roadwork register` end to end: a registered bundle, a local hub, a local NATIX
// server, and a replayed chain for the uid lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeClock } from '../../core/clock/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { startHubServer } from '../../inference/hub/_test-hub-server.js';
import { listPublications } from '../../lifecycle/publish/index.js';
import { startTestNatix } from '../../lifecycle/publish/_test-natix.js';
import { createBundle, registerBundle } from '../../lifecycle/registry/index.js';
import { ReplayProvider } from '../../wire/chain/_test-replay-provider.js';
import { hotkeyFromSecret, type Signer } from '../../wire/wallet/index.js';
import type { Command } from 'commander';
import { publishCommand, registerCommand, type PublishDeps } from './publish.js';

const TOKEN = 'hf_cli_test_token';
const alice = hotkeyFromSecret('//Alice');

async function dataDir(t: { after(fn: () => void): void }): Promise<{ dir: string; id: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-publish-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'head.json'), '{"weights":[1],"bias":0}');
  await createBundle(join(dir, 'bundle'), {
    files: { 'head.json': join(dir, 'head.json') },
    config: { stages: [{ name: 'classifier', kind: 'classifier', model: 'head.json' }] },
    metrics: { mcc: 0.5 },
    clock: fakeClock(),
  });
  const store = openStore(storeFile(join(dir, 'data')));
  try {
    const { version } = await registerBundle(join(dir, 'bundle'), {
      store,
      bundlesDir: join(dir, 'data', 'bundles'),
      clock: fakeClock(),
    });
    return { dir, id: version.id };
  } finally {
    store.close();
  }
}

async function run(
  build: (env: Record<string, string>, deps: PublishDeps) => Command,
  args: string[],
  env: Record<string, string> = {},
  signer: Signer = alice,
): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  const command = build(env, {
    loadSigner: () => signer,
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    providerFactory: () =>
      new ReplayProvider('get_neuron_for_pubkey_and_subnet', { absentStorageIsNull: true }),
  });
  command.exitOverride();
  await command.parseAsync(args, { from: 'user' });
  return { out, err };
}

test('publish --dry-run writes the repository folder with the hotkey in model_card.json and uploads nothing', async (t) => {
  const { dir, id } = await dataDir(t);
  const out = join(dir, 'staged');
  const r = await run(publishCommand, [
    id.slice(0, 8),
    '--repo',
    'alice/roadwork',
    '--dry-run',
    '--out',
    out,
    '--data_dir',
    join(dir, 'data'),
  ]);
  assert.equal(r.out.trim(), out);
  const card = JSON.parse(readFileSync(join(out, 'model_card.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(card.submitted_by, alice.ss58);
  assert.equal(card.version, id);
  assert.ok(Math.abs(Number(card.submission_time) - Date.now() / 1000) < 60);
  assert.match(r.err, /Dry run: nothing uploaded/);
});

test('publish uploads to the hub named by models.hub_url with HF_TOKEN and records the submission', async (t) => {
  const { dir, id } = await dataDir(t);
  const hub = await startHubServer({}, { token: TOKEN });
  t.after(() => hub.close());
  const r = await run(
    publishCommand,
    [
      id,
      '--data_dir',
      join(dir, 'data'),
      '--models.hub_url',
      hub.url,
      '--model.url',
      'https://huggingface.co/alice/roadwork',
    ],
    { HF_TOKEN: TOKEN },
  );
  assert.match(r.out, new RegExp(`^${hub.url}/alice/roadwork/commit/[0-9a-f]{40}\\n$`));
  assert.deepEqual(Object.keys(hub.repos['alice/roadwork'] ?? {}).sort(), [
    'README.md',
    'SHA256SUMS',
    'cascade.json',
    'head.json',
    'manifest.json',
    'model_card.json',
  ]);
  const store = openStore(storeFile(join(dir, 'data')), { readonly: true });
  try {
    const [p] = listPublications(store);
    assert.equal(p?.version, id);
    assert.equal(p?.repo, 'alice/roadwork');
    assert.equal(p?.submittedBy, alice.ss58);
  } finally {
    store.close();
  }
  // Without a repository anywhere, it says where to give one.
  await assert.rejects(
    run(publishCommand, [id, '--data_dir', join(dir, 'data')], { HF_TOKEN: TOKEN }),
    (e) =>
      isRoadworkError(e, 'ERR_CONFIG_INVALID') && /--repo owner\/name, or set model\.url/.test(e.message),
  );
});

test('register posts to natix.url with the given uid and reports the final status', async (t) => {
  const natix = await startTestNatix({ statuses: ['pending', 'success'] });
  t.after(() => natix.close());
  const r = await run(registerCommand, [
    '--uid',
    '5',
    '--repo',
    'alice/roadwork',
    '--natix.url',
    natix.url,
    '--poll',
    '0.01',
  ]);
  assert.equal(r.out, 'success\n');
  assert.match(r.err, /status: pending\n {2}status: success/);
  assert.equal(natix.registrations[0]?.uid, '5');
});

test('register reads the uid from the chain, and refuses a hotkey that holds none', async (t) => {
  const natix = await startTestNatix({ statuses: ['success'] });
  t.after(() => natix.close());
  // Registered as uid 29 on netuid 14 in the recordings; this signer cannot sign for it, so NATIX refuses.
  const recorded: Signer = { ...alice, ss58: '5Cf4LPRv6tiyuFsfLRQaFYEEn3zJRGi4bAE9DwbbKmbCSHpV' };
  await assert.rejects(
    run(
      registerCommand,
      ['--netuid', '14', '--repo', 'alice/roadwork', '--natix.url', natix.url],
      {},
      recorded,
    ),
    (e) =>
      isRoadworkError(e, 'ERR_REGISTRATION') &&
      /HTTP 422/.test(e.message) &&
      /signature does not verify/.test(e.message),
  );
  await assert.rejects(
    run(registerCommand, ['--netuid', '14', '--repo', 'alice/roadwork', '--natix.url', natix.url]),
    (e) => isRoadworkError(e, 'ERR_HOTKEY_NOT_REGISTERED') && e.message.includes(alice.ss58),
  );
});
