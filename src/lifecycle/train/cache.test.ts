// The embedding cache is keyed by image id and checked against each image's content stamp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeScene, generateScene } from '../../data/procedural/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { createRng } from '../../core/random/index.js';
import { openEmbeddingCache } from './_cache.js';
import { embeddedRows, type EmbeddingOptions } from './index.js';
import { gridEmbeddingOptions } from './_test-grid-embedder.js';

async function scene(file: string, seed: string, roadwork: boolean): Promise<void> {
  const s = generateScene(createRng(seed), { roadwork, width: 200, height: 160 });
  await writeFile(file, await encodeScene(s.rgb, s.width, s.height));
}

test('restamp() drops the keys of an image whose stamp changed, and only those; stamps persist', async () => {
  const root = await mkdtemp(join(tmpdir(), 'emb-stamp-'));
  try {
    const a = await openEmbeddingCache(root, { version: 'v:1', dims: 2 });
    await a.put([
      { key: 'a.jpg#s:L0:0', vector: Float32Array.of(1, 2) },
      { key: 'a.jpg#s:L0:0:h', vector: Float32Array.of(3, 4) },
      { key: 'b.jpg#s:L0:0', vector: Float32Array.of(5, 6) },
    ]);
    // Keys without a stamp (a cache from before stamps) are trusted and stamped.
    assert.deepEqual(
      await a.restamp(
        new Map([
          ['a.jpg', 'h1'],
          ['b.jpg', 'h2'],
        ]),
      ),
      [],
    );
    assert.equal(a.size, 3);
    await a.close();
    const b = await openEmbeddingCache(root, { version: 'v:1', dims: 2 });
    assert.deepEqual(
      await b.restamp(
        new Map([
          ['a.jpg', 'h1'],
          ['b.jpg', 'h2'],
        ]),
      ),
      [],
    );
    assert.deepEqual(
      await b.restamp(
        new Map([
          ['a.jpg', 'h9'],
          ['b.jpg', 'h2'],
        ]),
      ),
      ['a.jpg'],
    );
    assert.equal(b.has('a.jpg#s:L0:0') || b.has('a.jpg#s:L0:0:h'), false);
    assert.deepEqual(Array.from(b.get('b.jpg#s:L0:0')!), [5, 6]);
    await b.put([{ key: 'a.jpg#s:L0:0', vector: Float32Array.of(7, 8) }]);
    await b.close();
    const c = await openEmbeddingCache(root, { version: 'v:1', dims: 2 });
    assert.equal(c.size, 2);
    assert.deepEqual(Array.from(c.get('a.jpg#s:L0:0')!), [7, 8]);
    assert.deepEqual(Array.from(c.get('b.jpg#s:L0:0')!), [5, 6]);
    assert.deepEqual(await c.restamp(new Map([['a.jpg', 'h9']])), []);
    await c.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test(
  'a file replaced under the same name is embedded again, not served from the cache',
  { timeout: 120_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'emb-stale-'));
    try {
      const data = join(root, 'data');
      await mkdir(data);
      const lines = ['file,label,group'];
      for (let i = 0; i < 4; i++) {
        await scene(join(data, `img${i}.jpg`), `stale-${i}`, i % 2 === 0);
        lines.push(`img${i}.jpg,${i % 2 === 0 ? 1 : 0},g${i}`);
      }
      await writeFile(join(data, 'manifest.csv'), `${lines.join('\n')}\n`);
      const base = await gridEmbeddingOptions(root, data, { protocol: '0.4', perLevel: [1, 0, 0, 0] });
      const options = (cacheDir: string): EmbeddingOptions => ({ ...base, cacheDir });
      const before = await embeddedRows(options(join(root, 'cache')));
      // The same name, other pixels.
      await scene(join(data, 'img1.jpg'), 'stale-other', true);
      const after = await embeddedRows(options(join(root, 'cache')));
      const fresh = await embeddedRows(options(join(root, 'fresh')));
      assert.deepEqual(after.rows, fresh.rows);
      assert.notDeepEqual(after.rows[1]!.x, before.rows[1]!.x);
      assert.deepEqual(after.rows[0], before.rows[0]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

test('a second writer in another live process is refused before it can cut the first one’s rows; a dead one’s lock is taken over', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'emb-lock-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  // A real second process opens the cache as a writer, appends a row without indexing it yet (the
  // window a concurrent open used to truncate), and waits.
  const cacheUrl = new URL('./_cache.ts', import.meta.url).href;
  const script = `
    const { openEmbeddingCache } = await import(${JSON.stringify(cacheUrl)});
    const { appendFile } = await import('node:fs/promises');
    const c = await openEmbeddingCache(${JSON.stringify(root)}, { version: 'v:1', dims: 2 });
    await c.put([{ key: 'a#0', vector: Float32Array.of(1, 2) }]);
    await appendFile(c.dir + '/vectors.f32', Buffer.alloc(8, 7));
    console.log('ready');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
  const dir = join(root, 'v_1');
  const before = (await stat(join(dir, 'vectors.f32'))).size;
  await assert.rejects(
    openEmbeddingCache(root, { version: 'v:1', dims: 2 }),
    (err: Error & { code?: string }) =>
      err.code === 'ERR_LOCK_HELD' && err.message.includes(`process ${child.pid}`),
  );
  assert.equal((await stat(join(dir, 'vectors.f32'))).size, before, 'the refused open cut nothing');
  // A reader beside it is fine.
  const reader = await openEmbeddingCache(root, { version: 'v:1', dims: 2, readOnly: true });
  assert.deepEqual(Array.from(reader.get('a#0')!), [1, 2]);
  // So is a second run that needs nothing new (train opens with shareIfLocked); its first real write
  // fails with the writer's ERR_LOCK_HELD, and touches nothing.
  const sharing = await openEmbeddingCache(root, { version: 'v:1', dims: 2, shareIfLocked: true });
  assert.deepEqual(Array.from(sharing.get('a#0')!), [1, 2]);
  await sharing.put([{ key: 'a#0', vector: Float32Array.of(1, 2) }]);
  await assert.rejects(
    sharing.put([{ key: 'b#0', vector: Float32Array.of(3, 4) }]),
    (err: Error & { code?: string }) =>
      err.code === 'ERR_LOCK_HELD' && err.message.includes(`process ${child.pid}`),
  );
  await sharing.close();
  assert.equal((await stat(join(dir, 'vectors.f32'))).size, before, 'the sharing run wrote nothing');
  await stat(join(dir, 'writer.lock'));
  // kill -9: the lock stays behind, its process is gone, the next writer takes it over and resumes.
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  const next = await openEmbeddingCache(root, { version: 'v:1', dims: 2 });
  assert.equal(next.size, 1);
  assert.equal((await stat(join(dir, 'vectors.f32'))).size, 8, 'the unindexed row was cut');
  await next.close();
  await assert.rejects(stat(join(dir, 'writer.lock')), { code: 'ENOENT' });
});

test('rows are read from disk when asked for (a cache of cells outgrows memory), dropped rows skipped', async () => {
  const root = await mkdtemp(join(tmpdir(), 'emb-rows-'));
  try {
    const rows = Array.from({ length: 10 }, (_, i) => ({
      key: `img${i}.jpg#s:L0:0`,
      vector: Float32Array.of(i, -i, i / 3),
    }));
    const a = await openEmbeddingCache(root, { version: 'v:1', dims: 3 });
    await a.put(rows.slice(0, 6));
    // Rows written in this process read back at once, before and after the next put.
    assert.deepEqual(a.get(rows[5]!.key), rows[5]!.vector);
    await a.put(rows.slice(6));
    await a.restamp(new Map(rows.map((r, i) => [`img${i}.jpg`, 'h'])));
    await a.restamp(new Map([['img4.jpg', 'changed']])); // row 4's key is dropped
    await a.close();
    const b = await openEmbeddingCache(root, { version: 'v:1', dims: 3, readOnly: true });
    assert.equal(b.size, 9);
    for (const i of [9, 0, 7, 4, 3, 1, 8, 2, 6, 5])
      if (i === 4) assert.equal(b.get(rows[i]!.key), undefined);
      else assert.deepEqual(b.get(rows[i]!.key), rows[i]!.vector);
    // Nothing was loaded at open: a row rewritten on disk since reads as it is now.
    const dir = b.dir;
    const handle = await open(join(dir, 'vectors.f32'), 'r+');
    await handle.write(Buffer.from(Float32Array.of(7, 7, 7).buffer), 0, 12, 2 * 12);
    // And a file cut short under an open cache is a coded error, not garbage.
    await handle.truncate(8 * 12);
    await handle.close();
    assert.deepEqual(b.get(rows[2]!.key), Float32Array.of(7, 7, 7));
    assert.throws(
      () => b.get(rows[9]!.key),
      (err) => isRoadworkError(err, 'ERR_DATASET_INVALID') && /shorter than its index/.test(err.message),
    );
    await b.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
