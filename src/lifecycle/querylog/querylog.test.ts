// The query log on SQLite and on a real PostgreSQL: writing, dropping, retention, labels, stats, export.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createMetrics } from '../../core/metrics/index.js';
import { silentLogger } from '../../core/log/index.js';
import { systemClock } from '../../core/clock/index.js';
import { perceptualHash } from '../../inference/cache/index.js';
import { openImageFolder } from '../../data/sources/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import {
  QueryLogWriter,
  embeddingOf,
  exportQueries,
  imageKey,
  imagePath,
  labelOf,
  openQueryStore,
  pruneQueries,
  queryStats,
  recordLabels,
} from './index.js';
import { answered, assertConsistent, backends } from './_test-querylog.js';
import { moveToTrash } from './_trash.js';
import { storeImage } from './_images.js';

function writer(store: AsyncStore, imagesDir: string, queueSize = 100) {
  const metrics = createMetrics({ processMetrics: false });
  const w = new QueryLogWriter(store, {
    queueSize,
    imagesDir,
    clock: systemClock(),
    logger: silentLogger(),
    metrics,
    flushMs: 10,
  });
  return { w, metrics };
}

const DAY = 86_400_000;

for (const backend of backends()) {
  describe(`the query log on ${backend.name}`, { skip: backend.skip }, () => {
    test('each answered request is logged with its image as sent, hashes, embedding, stages and validator', async () => {
      const { store, imagesDir } = await backend.open();
      try {
        const { w, metrics } = writer(store, imagesDir);
        const embedding = Float32Array.from([0.25, -1.5, 3]);
        const a = await answered([200, 10, 10], { embedding });
        const b = await answered([10, 200, 10], {
          validator: { hotkey: '5Other', version: 2004, generation: '2.x', stake: 5 },
        });
        // The same bytes again: a second row, one image.
        const c = { ...a, id: 'again' };
        for (const r of [a, b, c]) w.hook(r);
        await w.flush();
        assert.deepEqual(w.counts(), { logged: 3, dropped: 0, queued: 0 });
        assert.equal((await metrics.querylogLogged.get()).values[0]?.value, 3);
        const rows = await store.all<Record<string, unknown>>('SELECT * FROM queries ORDER BY id');
        assert.equal(rows.length, 3);
        const sha = imageKey(a.image);
        const img = await store.get<{ ext: string; bytes: number; width: number; phash: string }>(
          'SELECT ext, bytes, width, phash FROM query_images WHERE sha256 = ?',
          [sha],
        );
        assert.deepEqual(img, {
          ext: 'jpg',
          bytes: Buffer.from(a.image, 'base64').length,
          width: 48,
          phash: perceptualHash(a.decoded!),
        });
        assert.deepEqual(readFileSync(imagePath(imagesDir, sha, 'jpg')), Buffer.from(a.image, 'base64'));
        assert.equal((await store.get<{ n: number }>('SELECT count(*) AS n FROM query_images'))?.n, 2);
        const first = rows[0]!;
        assert.equal(first.image_sha256, sha);
        assert.equal(first.request_id, a.id);
        assert.equal(first.validator, '5Validator');
        assert.equal(first.dendrite_version, 42);
        assert.equal(first.generation, '0.4.x');
        assert.equal(first.model_version, 'cascade-1');
        assert.equal(first.prediction, a.prediction);
        assert.equal(first.received_at, a.receivedAtMs);
        assert.deepEqual(JSON.parse(first.stages as string), a.stages);
        assert.deepEqual(JSON.parse(first.timings as string), a.timings);
        assert.deepEqual([...embeddingOf(first.embedding as Buffer)!], [0.25, -1.5, 3]);
        assert.equal(rows[1]!.embedding, null);
        assert.equal(rows[1]!.dendrite_version, 2004);
        await w.close();
      } finally {
        await store.close();
      }
    });

    test("the cascade's pHash is taken as is; without one the writer hashes the decoded image", async () => {
      const { store, imagesDir } = await backend.open();
      try {
        const { w } = writer(store, imagesDir);
        const a = await answered([7, 140, 7], { phash: 'cafe0000cafe0000' });
        const b = await answered([140, 7, 7]);
        w.hook(a);
        w.hook(b);
        await w.close();
        const rows = await store.all<{ phash: string }>(
          'SELECT phash FROM query_images ORDER BY first_seen, sha256',
        );
        const phashes = new Set(rows.map((r) => r.phash));
        assert.deepEqual(phashes, new Set(['cafe0000cafe0000', perceptualHash(b.decoded!)]));
      } finally {
        await store.close();
      }
    });

    test('a full queue drops and counts, in the metric and in the store, and the hook never throws', async () => {
      const { store, imagesDir } = await backend.open();
      try {
        const { w, metrics } = writer(store, imagesDir, 2);
        const r = await answered([1, 2, 3]);
        for (let i = 0; i < 5; i++) w.hook({ ...r, id: `r${i}` });
        await w.close();
        assert.deepEqual(w.counts(), { logged: 2, dropped: 3, queued: 0 });
        const dropped = (await metrics.querylogDropped.get()).values;
        assert.deepEqual(
          dropped.map((v) => [v.labels.reason, v.value]),
          [['full', 3]],
        );
        const stats = await queryStats(store);
        assert.equal(stats.logged, 2);
        assert.deepEqual(stats.dropped, { full: 3, error: 0 });
        // Closed: nothing more is accepted, and that is counted too.
        w.hook(r);
        assert.equal(w.counts().dropped, 4);
      } finally {
        await store.close();
      }
    });

    test('a store that fails drops the batch, counted as error, and the writer goes on', async () => {
      const { store, imagesDir } = await backend.open();
      const { w, metrics } = writer(store, imagesDir);
      await store.close();
      w.hook(await answered([9, 9, 9]));
      await w.flush();
      assert.deepEqual(w.counts(), { logged: 0, dropped: 1, queued: 0 });
      assert.equal((await metrics.querylogDropped.get()).values[0]?.labels.reason, 'error');
    });

    test('prune applies age, count and bytes, removing rows before files and keeping shared images', async () => {
      const { store, imagesDir } = await backend.open();
      try {
        const { w } = writer(store, imagesDir);
        const now = Date.now();
        const colours: [number, number, number][] = [
          [250, 0, 0],
          [0, 250, 0],
          [0, 0, 250],
          [250, 250, 0],
          [0, 250, 250],
        ];
        const reqs = await Promise.all(colours.map((c) => answered(c)));
        // Oldest first: 40 days, 20, 3, 2 and 1 day old; the newest sends the oldest's image again.
        const ages = [40, 20, 3, 2, 1];
        reqs.forEach((r, i) => w.hook({ ...r, receivedAtMs: now - ages[i]! * DAY }));
        w.hook({ ...reqs[0]!, id: 'repeat', receivedAtMs: now - 0.5 * DAY });
        await w.close();
        const limits = { maxEntries: 0, maxAgeMs: 30 * DAY, maxBytes: 0, nowMs: now };
        const byAge = await pruneQueries(store, imagesDir, limits);
        // The 40-day request goes; its image stays (the repeat names it).
        assert.deepEqual(byAge, { queries: 1, images: 0, bytes: 0, orphans: 0 });
        const byCount = await pruneQueries(store, imagesDir, { ...limits, maxEntries: 3 });
        assert.equal(byCount.queries, 2);
        assert.equal(byCount.images, 2);
        assert.equal(existsSync(imagePath(imagesDir, imageKey(reqs[1]!.image), 'jpg')), false);
        const total = (await queryStats(store)).bytes;
        const one = Buffer.from(reqs[4]!.image, 'base64').length;
        const byBytes = await pruneQueries(store, imagesDir, { ...limits, maxBytes: total - 1 });
        assert.ok(byBytes.bytes > 0 && byBytes.queries >= 1, JSON.stringify(byBytes));
        const stats = await queryStats(store);
        assert.ok(stats.bytes <= total - 1 && stats.bytes >= Math.min(one, total - 1) - 1000);
        await assertConsistent(store, imagesDir);
      } finally {
        await store.close();
      }
    });

    test('prune --sweep removes old files no row names, and never a file a row names', async () => {
      const { store, imagesDir } = await backend.open();
      try {
        const { w } = writer(store, imagesDir);
        const kept = await answered([120, 120, 120]);
        w.hook(kept);
        await w.close();
        const stray = join(imagesDir, 'ab', `${'ab'.repeat(32)}.jpg`);
        const tmp = `${imagePath(imagesDir, imageKey(kept.image), 'jpg')}.1234abcd.tmp`;
        const fresh = join(imagesDir, 'cd', `${'cd'.repeat(32)}.jpg`);
        for (const f of [stray, tmp, fresh]) {
          await import('node:fs/promises').then((fs) => fs.mkdir(join(f, '..'), { recursive: true }));
          writeFileSync(f, 'x');
        }
        const old = new Date(Date.now() - 2 * 3_600_000);
        utimesSync(stray, old, old);
        utimesSync(tmp, old, old);
        utimesSync(imagePath(imagesDir, imageKey(kept.image), 'jpg'), old, old);
        const r = await pruneQueries(store, imagesDir, {
          maxEntries: 0,
          maxAgeMs: 0,
          maxBytes: 0,
          nowMs: Date.now(),
          sweep: true,
        });
        assert.equal(r.orphans, 2);
        assert.deepEqual([existsSync(stray), existsSync(tmp), existsSync(fresh)], [false, false, true]);
        await assertConsistent(store, imagesDir);
      } finally {
        await store.close();
      }
    });

    test('a prune killed before its commit is settled at the next open: trashed files of rows still there go back', async () => {
      const { store, imagesDir, place } = await backend.open();
      const { w } = writer(store, imagesDir);
      const [kept, gone] = [await answered([33, 66, 99]), await answered([99, 66, 33])];
      w.hook(kept);
      w.hook(gone);
      await w.close();
      // What a killed prune leaves: a file of a row that rolled back, and one whose row committed away.
      await store.run('DELETE FROM queries WHERE image_sha256 = ?', [imageKey(gone.image)]);
      await store.run('DELETE FROM query_images WHERE sha256 = ?', [imageKey(gone.image)]);
      const trash = await moveToTrash(imagesDir, [
        { sha256: imageKey(kept.image), ext: 'jpg' },
        { sha256: imageKey(gone.image), ext: 'jpg' },
      ]);
      assert.equal(trash.length, 2);
      assert.equal(existsSync(imagePath(imagesDir, imageKey(kept.image), 'jpg')), false);
      await store.close();
      const again = await openQueryStore(place);
      try {
        await assertConsistent(again, imagesDir);
        assert.equal(existsSync(imagePath(imagesDir, imageKey(kept.image), 'jpg')), true);
        assert.deepEqual(readdirSync(join(imagesDir, '.trash')), []);
      } finally {
        await again.close();
      }
    });

    test('labels are keyed by image hash, shared by repeats, and an eval never overrides an operator', async () => {
      const { store, imagesDir } = await backend.open();
      try {
        const { w } = writer(store, imagesDir);
        const a = await answered([200, 100, 0]);
        const b = await answered([0, 100, 200]);
        w.hook(a);
        w.hook({ ...a, id: 'repeat' });
        w.hook(b);
        await w.close();
        const [sa, sb] = [imageKey(a.image), imageKey(b.image)];
        await recordLabels(store, [
          { sha256: sa, label: 1, source: 'eval', at: 1, by: '5Val' },
          { sha256: sb, label: 1, source: 'operator', at: 2, by: 'ana' },
        ]);
        await recordLabels(store, [
          { sha256: sb, label: 0, source: 'eval', at: 3, by: '5Val' },
          { sha256: sa, label: 0, source: 'operator', at: 4, by: 'ana' },
        ]);
        assert.deepEqual(await labelOf(store, sa), {
          sha256: sa,
          label: 0,
          source: 'operator',
          at: 4,
          by: 'ana',
        });
        assert.equal((await labelOf(store, sb))?.label, 1, 'the eval did not override the operator');
        const stats = await queryStats(store);
        assert.equal(stats.logged, 3);
        assert.equal(stats.labelled, 3);
        assert.deepEqual(stats.byLabel, { not: 2, roadwork: 1 });
        assert.deepEqual(stats.labelsBySource, { operator: 2 });
        assert.deepEqual(stats.byValidator, { '5Validator': 3 });
        assert.deepEqual(stats.byVersion, { '42 (0.4.x)': 3 });
        assert.deepEqual(stats.byModel, { 'cascade-1': 3 });
      } finally {
        await store.close();
      }
    });

    test('export writes folders train reads as is, and csv, coco and fiftyone layouts', async () => {
      const { store, imagesDir } = await backend.open();
      const out = await mkdtemp(join(tmpdir(), 'roadwork-qexport-'));
      try {
        const { w } = writer(store, imagesDir);
        const reqs = await Promise.all(
          (
            [
              [250, 0, 0],
              [0, 250, 0],
              [0, 0, 250],
            ] as const
          ).map((c) => answered(c)),
        );
        for (const r of reqs) w.hook(r);
        await w.close();
        await recordLabels(store, [
          { sha256: imageKey(reqs[0]!.image), label: 1, source: 'eval', at: 1, by: 'v' },
          { sha256: imageKey(reqs[1]!.image), label: 0, source: 'operator', at: 1, by: 'ana' },
        ]);
        const folders = await exportQueries(store, imagesDir, join(out, 'f'), { format: 'folders' });
        assert.deepEqual(folders, { images: 2, labelled: 2, skipped: 1, missing: 0, excluded: 0 });
        // `exclude` leaves out the paths it names (retrain: those a --data folder holds already).
        const pos = `pos/${imageKey(reqs[0]!.image)}.jpg`;
        const without = await exportQueries(store, imagesDir, join(out, 'f2'), {
          format: 'folders',
          exclude: (file) => file === pos,
        });
        assert.deepEqual(without, { images: 1, labelled: 1, skipped: 1, missing: 0, excluded: 1 });
        assert.deepEqual(
          (await openImageFolder(join(out, 'f2'))).images.map((i) => i.id),
          [`neg/${imageKey(reqs[1]!.image)}.jpg`],
        );
        const source = await openImageFolder(join(out, 'f'));
        const images = source.images.map((i) => [i.label, i.id.split('/')[0]]);
        assert.deepEqual(images.sort(), [
          [0, 'neg'],
          [1, 'pos'],
        ]);
        assert.deepEqual(
          await source.images[0]!.load(),
          Buffer.from(
            reqs.find((r) => imageKey(r.image) === source.images[0]!.id.slice(4, 68))!.image,
            'base64',
          ),
        );
        const csvOut = await exportQueries(store, imagesDir, join(out, 'c'), { format: 'csv' });
        assert.equal(csvOut.images, 3);
        const lines = (await readFile(join(out, 'c', 'queries.csv'), 'utf8')).trim().split('\n');
        assert.equal(lines.length, 4);
        assert.match(lines[0]!, /^file,sha256,label,label_source,phash/);
        const labelledOnly = await exportQueries(store, imagesDir, join(out, 'c2'), {
          format: 'csv',
          labelledOnly: true,
        });
        assert.equal(labelledOnly.images, 2);
        await exportQueries(store, imagesDir, join(out, 'coco'), { format: 'coco' });
        const coco = JSON.parse(await readFile(join(out, 'coco', 'annotations.json'), 'utf8'));
        assert.equal(coco.images.length, 3);
        assert.equal(coco.annotations.length, 2);
        for (const i of coco.images) assert.ok(statSync(join(out, 'coco', i.file_name)).size > 0);
        await exportQueries(store, imagesDir, join(out, 'fo'), { format: 'fiftyone' });
        const fo = JSON.parse(await readFile(join(out, 'fo', 'labels.json'), 'utf8'));
        assert.deepEqual(fo.classes, ['not_roadwork', 'roadwork']);
        assert.deepEqual(Object.values(fo.labels).sort(), [0, 1, null]);
        assert.equal(readdirSync(join(out, 'fo', 'data')).length, 3);
      } finally {
        await store.close();
        await rm(out, { recursive: true, force: true });
      }
    });
  });
}

test('storeImage() makes a shard folder again when it was removed after the writer made it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-shards-'));
  try {
    const shards = new Set<string>();
    const first = join(dir, 'ab', 'ab01.jpg');
    await storeImage(first, Buffer.from('one'), shards);
    assert.ok(shards.has(join(dir, 'ab')));
    await rm(join(dir, 'ab'), { recursive: true });
    const second = join(dir, 'ab', 'ab02.jpg');
    await storeImage(second, Buffer.from('two'), shards);
    assert.equal(await readFile(second, 'utf8'), 'two');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
