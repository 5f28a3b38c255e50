// `roadwork train --data A --data B` end to end (tiny scene folders, a small real ONNX embedder):
// the embedding cache is per image, the same-camera proxy is printed and recorded, --select-by family.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHead } from '../../inference/heads/index.js';
import { encodeScene, generateScene } from '../../data/procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { dataFingerprint, PREDICTION_COLUMNS } from '../../lifecycle/train/index.js';
import { verifyBundle } from '../../lifecycle/registry/index.js';
import { calibrateCommand } from './calibrate.js';
import { trainCommand } from './train.js';
import { poolEmbedderModel } from '../../../test/fixtures/onnx-models.js';
import { textSink } from '../../../test/fixtures/streams.js';

/** A folder of procedural scenes: `rows` of [file, label, group]. */
async function sceneFolder(dir: string, rows: readonly [string, 0 | 1, string][]): Promise<void> {
  for (const [file, label] of rows) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    const s = generateScene(createRng(`${dir}|${file}`), { roadwork: label === 1, width: 128, height: 96 });
    await writeFile(join(dir, file), await encodeScene(s.rgb, s.width, s.height));
  }
  const lines = ['file,label,group', ...rows.map((r) => r.join(','))];
  await writeFile(join(dir, 'manifest.csv'), `${lines.join('\n')}\n`);
}

test(
  'roadwork train takes several --data folders: groups apart, the cache per image, the proxy reported, a bundle naming each',
  { timeout: 240_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'train-folders-'));
    try {
      const a = join(root, 'work-zones');
      const b = join(root, 'streets');
      // a: dashcam work zones and KITTI (in-car), web photos of both labels; b: more in-car negatives,
      // in a group whose name is also one of a's.
      const aRows: [string, 0 | 1, string][] = [];
      for (let i = 0; i < 12; i++) aRows.push([`pos/w${i}.jpg`, 1, `mi3-city${i % 4}`]);
      for (let i = 0; i < 6; i++) aRows.push([`neg/k${i}.jpg`, 0, 'kitti-road-um']);
      for (let i = 0; i < 8; i++)
        aRows.push([`${i < 3 ? 'pos' : 'neg'}/t${i}.jpg`, i < 3 ? 1 : 0, 'tracon-web']);
      const bRows: [string, 0 | 1, string][] = [];
      for (let i = 0; i < 6; i++) bRows.push([`neg/c${i}.jpg`, 0, i < 3 ? 'camvid-d1' : 'tracon-web']);
      await sceneFolder(a, aRows);
      await sceneFolder(b, bRows);
      const model = join(root, 'grid.onnx');
      await writeFile(model, poolEmbedderModel({ size: 32, rows: 4, cols: 4 }));
      const run = async (name: string, data: string[], extra: string[] = []) => {
        const o = textSink();
        const e = textSink();
        await trainCommand({ stdout: o.stream, stderr: e.stream, env: {} }).parseAsync(
          [
            ...data.flatMap((d) => ['--data', d]),
            ...['--embeddings.cache_dir', join(root, 'cache'), '--model.workers', '1'],
            ...['--protocol', '2.0.4', '--views', '1,0,1,0'],
            ...[
              '--embedder',
              `onnx:${model}`,
              '--embedder-options',
              '{"size":32,"mean":[0,0,0],"std":[1,1,1]}',
            ],
            ...['--folds', '3', '--l2', '0.1,10', '--target-accuracy', '0.6', '--split-group', 'tracon-web'],
            ...['--out', join(root, `${name}.json`), '--report', join(root, `${name}.report.json`), ...extra],
          ],
          { from: 'user' },
        );
        return { out: o.text(), err: e.text() };
      };
      const alone = await run('alone', [a]);
      // Two scored views per image (levels 0 and 2), each with its mirror.
      assert.match(alone.err, /embed \[[^\]]*\] \d+\/104\b/);
      assert.match(alone.out, /Same-camera proxy/);
      assert.match(alone.out, /headline: in-car cameras MCC -?[\d.]+ \[/);

      // b beside a: only b's images are embedded; a's cached views are used as they are.
      const both = await run('both', [a, b], ['--predictions', join(root, 'both.csv')]);
      assert.match(both.err, /embed \[[^\]]*\] \d+\/24\b/);
      assert.match(both.err, /^64 views of 32 images/m);
      const report = JSON.parse(await readFile(join(root, 'both.report.json'), 'utf8')) as {
        overall: { mcc: { value: number } };
        families: Record<string, { n: number }>;
        proxy: {
          headline: { kind: string; n: number; mcc: { value: number } };
          families: Record<string, { n: number }>;
        };
      };
      // --predictions: every scored view under each protocol, and the tables' MCC from its p alone.
      const [header, ...lines] = (await readFile(join(root, 'both.csv'), 'utf8')).trimEnd().split('\n');
      assert.equal(header, PREDICTION_COLUMNS.join(','));
      const predicted = lines.map((l) => {
        const [protocol, image, group, family, camera, level, label, fold, p] = l.split(',');
        return {
          protocol,
          image,
          group,
          family,
          camera,
          level,
          label: Number(label),
          fold: Number(fold),
          p: Number(p),
        };
      });
      const cv = predicted.filter((r) => r.protocol === 'cv');
      const proxied = predicted.filter((r) => r.protocol === 'proxy');
      assert.equal(cv.length, 64);
      assert.equal(proxied.length, 64);
      assert.equal(new Set(cv.map((r) => r.image)).size, 32);
      assert.ok(cv.every((r) => r.fold >= 0 && r.fold < 3 && r.p >= 0 && r.p <= 1));
      assert.deepEqual([...new Set(cv.map((r) => r.level))].sort(), ['0', '2']);
      assert.equal(cv.filter((r) => /c\d\.jpg$/.test(r.image!)).length, 12, "b's images by their ids");
      const mccOf = (rs: typeof cv) => {
        const n = (l: number, hit: boolean) => rs.filter((r) => r.label === l && r.p >= 0.5 === hit).length;
        const [tp, tn, fp, fn] = [n(1, true), n(0, false), n(0, true), n(1, false)];
        const d = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
        return d === 0 ? 0 : (tp * tn - fp * fn) / d;
      };
      assert.ok(Math.abs(mccOf(cv) - report.overall.mcc.value) < 1e-9, `${mccOf(cv)}`);
      const inCar = proxied.filter((r) => r.camera === 'in-car');
      assert.equal(inCar.length, report.proxy.headline.n);
      assert.ok(Math.abs(mccOf(inCar) - report.proxy.headline.mcc.value) < 1e-9, `${mccOf(inCar)}`);
      // b's "tracon-web" group is its own group (namespaced) but the same family; camvid is in-car.
      assert.equal(report.families['web photos']?.n, (8 + 3) * 2);
      assert.equal(report.proxy.families['dashcam streets (CamVid)']?.n, 3 * 2);
      assert.equal(report.proxy.headline.kind, 'in-car');
      assert.equal(report.proxy.headline.n, (12 + 6 + 3) * 2);
      const head = await loadHead(join(root, 'both.json'));
      assert.equal((head.metrics?.proxy as { l2: number }).l2, head.metrics?.l2);

      // Selecting the L2 by the proxy: one proxy line per L2, one grouped-CV line; nothing embedded.
      const chosen = await run('family', [a, b], ['--select-by', 'family']);
      assert.doesNotMatch(chosen.err, /embed \[/);
      assert.equal(chosen.err.match(/same-camera proxy MCC/g)?.length, 2);
      assert.equal(chosen.err.match(/grouped 3-fold CV MCC/g)?.length, 1);
      assert.equal((await loadHead(join(root, 'family.json'))).metrics?.selected_by, 'same-camera proxy');
      // Or by its families-balanced row (KITTI and CamVid each weighing half), printed on each L2's line.
      const even = await run('balanced', [a, b], ['--select-by', 'balanced']);
      assert.equal(even.err.match(/same-camera proxy MCC .*; families balanced MCC -?\d\.\d{3}/g)?.length, 2);
      assert.equal(
        (await loadHead(join(root, 'balanced.json'))).metrics?.selected_by,
        'same-camera proxy, families balanced',
      );

      // calibrate reads the same folders, from the same cache.
      const c = textSink();
      const ce = textSink();
      await calibrateCommand({ stdout: c.stream, stderr: ce.stream, env: {} }).parseAsync(
        [
          ...[
            '--data',
            a,
            '--data',
            b,
            '--embeddings.cache_dir',
            join(root, 'cache'),
            '--model.workers',
            '1',
          ],
          ...['--protocol', '2.0.4', '--views', '1,0,1,0'],
          ...[
            '--embedder',
            `onnx:${model}`,
            '--embedder-options',
            '{"size":32,"mean":[0,0,0],"std":[1,1,1]}',
          ],
          ...['--head', join(root, 'both.json'), '--out', join(root, 'calibrated.json')],
        ],
        { from: 'user' },
      );
      assert.doesNotMatch(ce.text(), /embed \[/);
      assert.match(c.text(), /^all views +64 /m);

      // A bundle of both names both: each folder's version, and the totals with one record per folder.
      const bundled = await run(
        'bundle',
        [a, b],
        ['--bundle', join(root, 'bundle'), '--data_dir', join(root, 'state')],
      );
      assert.doesNotMatch(bundled.err, /embed \[/);
      const m = await verifyBundle(join(root, 'bundle'));
      const [va, vb] = [await dataFingerprint(a), await dataFingerprint(b)];
      assert.equal(m.data_version, `folder:${a}@${va.version} + folder:${b}@${vb.version}`);
      assert.notEqual(va.version, vb.version);
      const data = m.metrics.data as {
        images: number;
        positives: number;
        folders: { folder: string; images: number; ingested: boolean }[];
      };
      assert.equal(data.images, 32);
      assert.equal(data.positives, 15);
      assert.deepEqual(
        data.folders.map((f) => [f.folder, f.images, f.ingested]),
        [
          [a, 26, false],
          [b, 6, false],
        ],
      );
      assert.match(bundled.out, new RegExp(`Bundle ${m.id} in .* \\(data folder:.* \\+ folder:`));

      // --preprocess-resize letterbox: views are decoded whole (bars added) under their own cache keys,
      // and the bundle's cascade serves with the same policy.
      const boxed = await run(
        'letterbox',
        [a],
        [...['--preprocess-resize', 'letterbox', '--preprocess-size', '48'], '--bundle', join(root, 'lb')],
      );
      assert.match(boxed.err, /embed \[[^\]]*\] \d+\/104\b/);
      const cascade = JSON.parse(await readFile(join(root, 'lb', 'cascade.json'), 'utf8')) as {
        preprocess?: { size: number; resize: string };
      };
      assert.deepEqual(cascade.preprocess, { size: 48, resize: 'letterbox', kernel: 'linear' });
      await assert.rejects(
        run('bad', [a], ['--preprocess-resize', 'fisheye']),
        /Invalid --preprocess-resize: fisheye/,
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);

test('--preprocess-resize short-side is refused for a tfjs embedder without tiles, before any view is embedded', async () => {
  const run = (options: string) =>
    trainCommand({ stdout: textSink().stream, stderr: textSink().stream, env: {} }).parseAsync(
      [
        ...['--data', join(tmpdir(), 'no-such-folder-short-side'), '--preprocess-resize', 'short-side'],
        ...['--embedder-options', options, '--out', join(tmpdir(), 'never-written.json')],
      ],
      { from: 'user' },
    );
  await assert.rejects(
    run('{"extras":["colour-shape"]}'),
    /short-side keeps the frame's shape, but tfjs:builtin:mobilenetv2 resizes the whole image to a square; give it tiles \(add "tiles":3/,
  );
  // With tiles the flags pass, and the run goes on to the data (missing here).
  await assert.rejects(
    run('{"tiles":3,"extras":["colour-shape"]}'),
    (err: Error) => !/tiles/.test(err.message),
  );
});
