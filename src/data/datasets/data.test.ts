import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { fakeClock } from '../../core/clock/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { openStore, storeFile, type Store } from '../../core/store/index.js';
import { encodeScene, generateScene } from '../procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { openImageFolder } from '../sources/index.js';
import {
  addDataset,
  checkCandidates,
  exportDataset,
  getDataset,
  listDatasets,
  type DataDeps,
} from './index.js';

function setup(t: { after(fn: () => void): void }): { dir: string; deps: DataDeps; store: Store } {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-data-'));
  const store = openStore(storeFile(join(dir, 'data')));
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, store, deps: { store, imagesDir: join(dir, 'data', 'images'), clock: fakeClock() } };
}

async function scene(seed: string, roadwork: boolean, quality = 90): Promise<Buffer> {
  const s = generateScene(createRng(seed), { roadwork, width: 320, height: 240 });
  return encodeScene(s.rgb, s.width, s.height, quality);
}

async function writeFolder(root: string, files: Record<string, Buffer>): Promise<string> {
  for (const [name, bytes] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), bytes);
  }
  return root;
}

async function cleanFiles(): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 3; i++) {
    files[`pos/p${i}.jpg`] = await scene(`pos-${i}`, true);
    files[`neg/n${i}.jpg`] = await scene(`neg-${i}`, false);
  }
  return files;
}

test('addDataset() reports corrupt, tiny, duplicate, near-duplicate and conflicting images', async (t) => {
  const { dir, deps, store } = setup(t);
  const files = await cleanFiles();
  const good = files['pos/p0.jpg']!;
  files['pos/truncated.jpg'] = good.subarray(0, Math.floor(good.length / 2));
  files['neg/not-an-image.png'] = Buffer.from('hello, I am text');
  files['neg/tiny.png'] = await sharp({
    create: { width: 40, height: 30, channels: 3, background: '#808080' },
  })
    .png()
    .toBuffer();
  files['pos/p0-copy.jpg'] = good;
  files['pos/p1-recoded.jpg'] = await scene('pos-1', true, 70);
  const conflict = await scene('both', true);
  files['pos/both.jpg'] = conflict;
  files['neg/both.jpg'] = conflict;
  const report = await addDataset(await writeFolder(join(dir, 'in'), files), deps, { name: 'mixed' });

  const reasons = Object.fromEntries(report.rejected.map((r) => [r.id, r.reason]));
  assert.equal(reasons['pos/truncated.jpg'], 'decode');
  assert.equal(reasons['neg/not-an-image.png'], 'decode');
  assert.equal(reasons['neg/tiny.png'], 'tiny');
  assert.equal(reasons['pos/p0.jpg'] ?? reasons['pos/p0-copy.jpg'], 'duplicate');
  assert.equal(reasons['pos/both.jpg'], 'conflict');
  assert.equal(reasons['neg/both.jpg'], 'conflict');
  assert.equal(report.rejected.length, 6);
  assert.deepEqual(
    report.nearDuplicates.map((d) => [d.id, d.of, d.sameLabel]),
    [['pos/p1.jpg', 'pos/p1-recoded.jpg', true]],
  );
  assert.equal(report.positives + report.negatives, 7);
  assert.equal(report.created, true);
  const stored = getDataset(store, report.version);
  assert.equal(stored.files.length, 7);
  assert.equal(stored.report.rejected.length, 6);
});

test('addDataset() gives the same version id to identical content under other names, and stores it once', async (t) => {
  const { dir, deps, store } = setup(t);
  const files = await cleanFiles();
  const first = await addDataset(await writeFolder(join(dir, 'a'), files), deps, { name: 'a' });
  const renamed = Object.fromEntries(
    Object.entries(files).map(([k, v]) => [k.replace(/\/(\w)/, '/renamed-$1'), v]),
  );
  const second = await addDataset(await writeFolder(join(dir, 'b'), renamed), deps, { name: 'b' });
  assert.equal(second.version, first.version);
  assert.equal(second.created, false);
  assert.equal(second.name, 'a', 'the report names the version as it is stored');
  assert.equal(listDatasets(store).length, 1);
  const flipped: Record<string, Buffer> = { ...files, 'neg/p0.jpg': files['pos/p0.jpg']! };
  delete flipped['pos/p0.jpg'];
  const third = await addDataset(await writeFolder(join(dir, 'c'), flipped), deps, { name: 'c' });
  assert.notEqual(third.version, first.version, 'a changed label is a new version');
  assert.equal(listDatasets(store).length, 2);
});

test('exportDataset() writes pos/neg folders and a manifest that read back as the same version', async (t) => {
  const { dir, deps } = setup(t);
  const report = await addDataset(await writeFolder(join(dir, 'in'), await cleanFiles()), deps, {
    name: 'x',
  });
  const out = join(dir, 'out');
  assert.deepEqual(await exportDataset(report.version, out, deps), { files: 6 });
  const source = await openImageFolder(out);
  assert.deepEqual(source.images.map((i) => i.label).sort(), [0, 0, 0, 1, 1, 1]);
  assert.match(
    readFileSync(join(out, 'manifest.csv'), 'utf8'),
    /^file,label,group\n(neg|pos)\/[0-9a-f]{16}\.jpg,[01],(neg|pos)\n/,
  );
  const again = await addDataset(out, deps, { name: 'round trip' });
  assert.equal(again.version, report.version);
});

test('addDataset() stores nothing when no image passes the checks', async (t) => {
  const { dir, deps, store } = setup(t);
  const input = await writeFolder(join(dir, 'bad'), { 'pos/a.jpg': Buffer.from('nope') });
  await assert.rejects(addDataset(input, deps, { name: 'bad' }), (err) =>
    isRoadworkError(err, 'ERR_DATASET_INVALID'),
  );
  assert.equal(listDatasets(store).length, 0);
});

test('getDataset() names an unknown version and how to list them', (t) => {
  const { store } = setup(t);
  assert.throws(
    () => getDataset(store, 'd-0000'),
    (err) => isRoadworkError(err, 'ERR_VERSION_UNKNOWN') && /data list/.test(err.message),
  );
});

test('checkCandidates() keeps near duplicates with another label and flags them', () => {
  const facts = (sha: string, phash: string) => ({
    sha256: sha,
    bytes: 1,
    ext: 'jpg',
    width: 100,
    height: 100,
    phash,
  });
  const result = checkCandidates([
    { id: 'a', label: 1, group: 'g', facts: facts('1', 'ffffffffffffffff') },
    { id: 'b', label: 0, group: 'g', facts: facts('2', 'fffffffffffffff0') },
    { id: 'c', label: 0, group: 'g', facts: facts('3', '0000000000000000') },
  ]);
  assert.equal(result.accepted.length, 3);
  assert.deepEqual(result.nearDuplicates, [{ id: 'b', of: 'a', distance: 4, sameLabel: false }]);
});
