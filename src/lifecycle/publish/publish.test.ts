import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeClock } from '../../core/clock/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { openStore, storeFile, type Store } from '../../core/store/index.js';
import { hotkeyFromSecret } from '../../wire/wallet/index.js';
import { createBundle, getVersion, registerBundle, type ModelVersion } from '../registry/index.js';
import {
  lastPublication,
  listPublications,
  modelCardJson,
  recordPublication,
  repoFrom,
  stageRepo,
  uploadRepo,
} from './index.js';
import { startHubServer } from '../../inference/hub/_test-hub-server.js';
import { pullModel } from '../../inference/hub/index.js';

const TOKEN = 'hf_test_write_token';
const signer = hotkeyFromSecret('//Alice');

async function registered(t: {
  after(fn: () => void): void;
}): Promise<{ dir: string; store: Store; version: ModelVersion }> {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-publish-'));
  const store = openStore(storeFile(join(dir, 'data')));
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // A text head, a small binary file (NUL bytes: LFS on the hub) and a large one (LFS by size).
  writeFileSync(join(dir, 'head.json'), JSON.stringify({ weights: [0.1, -0.2], bias: 0.3 }));
  writeFileSync(join(dir, 'small.bin'), Buffer.from([1, 0, 2, 0, 3]));
  writeFileSync(join(dir, 'big.onnx'), Buffer.alloc(200_000, 7));
  const bundle = await createBundle(join(dir, 'bundle'), {
    files: {
      'head.json': join(dir, 'head.json'),
      'weights/small.bin': join(dir, 'small.bin'),
      'big.onnx': join(dir, 'big.onnx'),
    },
    config: { stages: [{ name: 'classifier', kind: 'classifier', model: 'big.onnx' }] },
    metrics: { cv: { mcc: 0.61234, auc: 0.9 }, views: 13 },
    clock: fakeClock(),
  });
  const { version } = await registerBundle(join(dir, 'bundle'), {
    store,
    bundlesDir: join(dir, 'data', 'bundles'),
    clock: fakeClock(),
  });
  assert.equal(version.id, bundle.id);
  return { dir, store, version };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

test('model_card.json has exactly the subnet’s five keys', async (t) => {
  const { version } = await registered(t);
  const card = modelCardJson({
    version,
    repo: 'alice/roadwork',
    submittedBy: signer.ss58,
    submissionTime: 1_780_000_000,
  });
  assert.deepEqual(Object.keys(card), [
    'model_name',
    'description',
    'version',
    'submitted_by',
    'submission_time',
  ]);
  assert.equal(card.model_name, 'roadwork');
  assert.equal(card.version, version.id);
  assert.equal(card.submitted_by, signer.ss58);
  assert.equal(card.submission_time, 1_780_000_000);
});

test('the staged repository holds the bundle, the card, a README with the numbers and checksums that verify', async (t) => {
  const { dir, version } = await registered(t);
  const out = join(dir, 'repo');
  const staged = await stageRepo(out, {
    version,
    repo: 'alice/roadwork',
    submittedBy: signer.ss58,
    submissionTime: 1_780_000_000,
    gate: {
      at: 1,
      gate: 'gate-set',
      candidate: { mcc: 0.7, accuracy: 0.85, n: 200 },
      production: { mcc: 0.6, accuracy: 0.8, n: 200 },
      previous: 'm-old',
    },
  });
  const names = staged.files.map((f) => f.path);
  assert.deepEqual(names, [
    'README.md',
    'SHA256SUMS',
    'big.onnx',
    'cascade.json',
    'head.json',
    'manifest.json',
    'model_card.json',
    'weights/small.bin',
  ]);
  for (const f of staged.files) {
    const data = readFileSync(join(out, ...f.path.split('/')));
    assert.equal(sha(data), f.sha256, f.path);
    assert.equal(data.length, f.bytes, f.path);
  }
  const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
  for (const line of sums) {
    const [digest, path] = line.split('  ') as [string, string];
    assert.equal(sha(readFileSync(join(out, ...path.split('/')))), digest, path);
  }
  const readme = readFileSync(join(out, 'README.md'), 'utf8');
  assert.match(readme, /^---\nlibrary_name: roadwork-miner/);
  assert.match(readme, /\| this version \| 0\.7000 \| 0\.8500 \| 200 \|/);
  assert.match(readme, /\| previous production `m-old` \| 0\.6000 \|/);
  assert.match(readme, /\| cv\.mcc \| 0\.6123 \|/);
  assert.match(readme, /one dashcam network/);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'model_card.json'), 'utf8')), staged.card);
  // A second staging into the same folder is refused, not mixed in.
  await assert.rejects(
    stageRepo(out, { version, repo: 'alice/roadwork', submittedBy: signer.ss58, submissionTime: 1 }),
    (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID'),
  );
});

test('a bundle changed on disk since it was registered is never staged', async (t) => {
  const { dir, version } = await registered(t);
  writeFileSync(join(version.dir, 'head.json'), '{"tampered":true}');
  await assert.rejects(
    stageRepo(join(dir, 'repo'), {
      version,
      repo: 'alice/roadwork',
      submittedBy: signer.ss58,
      submissionTime: 1,
    }),
    (e) => isRoadworkError(e, 'ERR_MODEL_LOAD'),
  );
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('repo') || n.startsWith('.repo')),
    [],
  );
});

test('uploading through the Hub commit API lands every file byte for byte, LFS or not, and pulls back whole', async (t) => {
  const { dir, store, version } = await registered(t);
  const hub = await startHubServer({}, { token: TOKEN, lfsFromBytes: 100_000 });
  t.after(() => hub.close());
  const staged = await stageRepo(join(dir, 'repo'), {
    version,
    repo: 'alice/roadwork',
    submittedBy: signer.ss58,
    submissionTime: 1_780_000_000,
  });
  const first = await uploadRepo(staged, {
    repo: 'alice/roadwork',
    hubUrl: hub.url,
    token: TOKEN,
    private: true,
  });
  assert.equal(first.created, true);
  assert.deepEqual(hub.uploads.created.get('alice/roadwork'), { private: true });
  const files = hub.repos['alice/roadwork'];
  assert.ok(files);
  assert.deepEqual(
    Object.keys(files).sort(),
    staged.files.map((f) => f.path),
  );
  for (const f of staged.files) {
    assert.ok(readFileSync(join(staged.dir, ...f.path.split('/'))).equals(files[f.path]!), f.path);
  }
  assert.deepEqual(
    [...hub.uploads.lfs].sort(),
    ['alice/roadwork:big.onnx', 'alice/roadwork:weights/small.bin'],
    'binary and large files went through LFS',
  );
  assert.equal(hub.uploads.commits.at(-1)?.oid, first.commit);
  assert.match(hub.uploads.commits.at(-1)!.summary, new RegExp(version.id));

  // Again: the repository exists, the LFS objects are known (not uploaded twice), a second commit lands.
  const lfsPuts = (): number => hub.requests.filter((r) => r.method === 'PUT').length;
  const putsBefore = lfsPuts();
  const second = await uploadRepo(staged, { repo: 'alice/roadwork', hubUrl: hub.url, token: TOKEN });
  assert.equal(second.created, false);
  assert.notEqual(second.commit, first.commit);
  assert.equal(lfsPuts(), putsBefore);
  assert.equal(hub.requests.filter((r) => r.path === '/api/repos/create').length, 1);

  // What was published downloads whole, as an operator pulls it on another machine.
  const cacheDir = join(dir, 'models');
  const pulled = await pullModel('alice/roadwork', {
    cacheDir,
    offline: false,
    hubUrl: hub.url,
    hubToken: TOKEN,
  });
  for (const f of staged.files) {
    assert.equal(sha(readFileSync(join(pulled.folder, ...f.path.split('/')))), f.sha256, f.path);
  }

  recordPublication(store, {
    version: version.id,
    repo: 'alice/roadwork',
    hubUrl: hub.url,
    commit: second.commit,
    submittedBy: signer.ss58,
    submissionTime: 1_780_000_000,
    at: 5,
  });
  assert.equal(lastPublication(store, version.id)?.commit, second.commit);
  assert.equal(lastPublication(store, 'm-other'), undefined);
  assert.equal(listPublications(store).length, 1);
  assert.equal(getVersion(store, version.id).id, version.id);
});

test('a bad token, a refusing hub and a missing token fail with coded errors that say what to do', async (t) => {
  const { dir, version } = await registered(t);
  const hub = await startHubServer({}, { token: TOKEN, failCommitWith: 500 });
  t.after(() => hub.close());
  const staged = await stageRepo(join(dir, 'repo'), {
    version,
    repo: 'alice/roadwork',
    submittedBy: signer.ss58,
    submissionTime: 1,
  });
  await assert.rejects(
    uploadRepo(staged, { repo: 'alice/roadwork', hubUrl: hub.url, token: '' }),
    (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID') && /HF_TOKEN/.test(e.message),
  );
  await assert.rejects(
    uploadRepo(staged, { repo: 'alice/roadwork', hubUrl: hub.url, token: 'hf_wrong' }),
    (e) => isRoadworkError(e, 'ERR_PUBLISH') && /HTTP 401/.test(e.message) && /write token/.test(e.message),
  );
  await assert.rejects(
    uploadRepo(staged, { repo: 'alice/roadwork', hubUrl: hub.url, token: TOKEN }),
    (e) => isRoadworkError(e, 'ERR_PUBLISH') && /HTTP 500/.test(e.message),
  );
});

test('repoFrom takes owner/name or a hub URL and refuses anything else', () => {
  assert.equal(repoFrom('alice/roadwork'), 'alice/roadwork');
  assert.equal(repoFrom('https://huggingface.co/alice/roadwork-v2/'), 'alice/roadwork-v2');
  assert.equal(repoFrom('roadwork'), undefined);
  assert.equal(repoFrom('https://huggingface.co/alice'), undefined);
  assert.equal(repoFrom(''), undefined);
});
