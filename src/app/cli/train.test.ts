// `roadwork train` and `roadwork calibrate` end to end on a small folder of synthetic scenes (real tfjs model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import {
  DEFAULT_CASCADE_FILE,
  loadCascadeConfig,
  type BackboneHeadConfig,
} from '../../inference/cascade/index.js';
import type { Settings } from '../../core/config/index.js';
import { systemClock } from '../../core/clock/index.js';
import { addDataset } from '../../data/datasets/index.js';
import { loadHead } from '../../inference/heads/index.js';
import { parseCsvRecords } from '../../core/csv/index.js';
import { mcc } from '../../lifecycle/train/index.js';
import {
  listVersions,
  productionVersion,
  headline,
  promoteVersion,
  verifyBundle,
} from '../../lifecycle/registry/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { calibrateCommand } from './calibrate.js';
import { trainCommand } from './train.js';
import { planBase } from './_train-bundle.js';
import { assertServesHeadWithFlipTta, testScene } from '../../lifecycle/train/_test-tta-check.js';
import { poolEmbedderModel } from '../../../test/fixtures/onnx-models.js';
import { textSink } from '../../../test/fixtures/streams.js';
import { STARTER_04_HEADS, STARTER_204_HEADS } from '../../../test/fixtures/starter-heads.js';
import { inSceneFolder, views2004 } from './_test-scenes.js';

const sink = textSink;

test(
  'roadwork train writes a calibrated head from cached embeddings; calibrate refits it',
  { timeout: 240_000 },
  () =>
    inSceneFolder('train-cli-', async (root, data) => {
      const out = join(root, 'head.json');
      const args = views2004(root, data);
      const run = async (extra: string[]) => {
        const o = sink();
        const e = sink();
        await trainCommand({ stdout: o.stream, stderr: e.stream }).parseAsync([...args, ...extra], {
          from: 'user',
        });
        return { out: o.text(), err: e.text() };
      };
      const first = await run(['--out', out, '--folds', '2', '--l2', '0.1,1']);
      assert.match(first.err, /embed \[/);
      assert.match(first.out, /Held-out metrics \(grouped CV/);
      assert.match(first.out, /accuracy on exits/);
      const head = await loadHead(out);
      assert.equal(head.inputDims, 1280 + 140);
      assert.match(head.embedder ?? '', /^tfjs:nsfwjs-4\.3\.0-mobilenetv2:flatten_1:1280:.*\+cs1$/);
      assert.ok(head.temperature > 0 && Number.isFinite(head.shift));
      assert.equal((head.metrics?.overall as { n: number }).n, 16 * 2);

      // Same seed, same cache: nothing is embedded again and the head is identical.
      const second = await run(['--out', `${out}.2`, '--folds', '2', '--l2', '0.1,1']);
      assert.doesNotMatch(second.err, /embed \[/);
      assert.equal(await readFile(`${out}.2`, 'utf8'), await readFile(out, 'utf8'));

      // Column ranges past the 1420 columns are refused once the width is known, before any fit.
      for (const [extra, message] of [
        [
          ['--columns', '1280:1500'],
          /^Invalid --columns: 1280:1500; the embedding has 1420 columns \(0:1420\)$/,
        ],
        [
          ['--column-l2', '0:1280=10,1400:1421=2'],
          /^Invalid --column-l2: 0:1280=10,1400:1421=2; 1400:1421 runs past the 1420 columns the head sees \(the embedding's\)$/,
        ],
        [
          ['--columns', '1280:1420', '--column-l2', '0:141=10'],
          /^Invalid --column-l2: 0:141=10; 0:141 runs past the 140 columns the head sees \(those --columns keeps/,
        ],
      ] as const) {
        await assert.rejects(
          run(['--out', join(root, 'refused.json'), '--folds', '2', '--l2', '0.1', ...extra]),
          (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && message.test(err.message),
        );
      }
      assert.equal(existsSync(join(root, 'refused.json')), false);

      // --style-null says how many directions the data's cameras span (four groups a label: 3 + 3).
      const nulled = await run([
        '--out',
        join(root, 'nulled.json'),
        '--folds',
        '2',
        '--l2',
        '0.1',
        '--style-null',
        '9',
      ]);
      assert.match(nulled.err, /style nullspace: removing 6 direction\(s\) .* \(the cameras span 6\)/);
      assert.equal((await loadHead(join(root, 'nulled.json'))).metrics?.['style_null'], 9);

      // --repeats: the grouped CV over three draws of the folds, its spread printed and recorded.
      const repeated = await run([
        '--out',
        join(root, 'repeated.json'),
        '--folds',
        '2',
        '--l2',
        '0.1',
        '--repeats',
        '3',
        '--predictions',
        join(root, 'repeated.csv'),
      ]);
      assert.match(repeated.err, /grouped 2-fold CV over 3 draws of the folds: MCC -?[\d.]+ ± [\d.]+ \[/);
      assert.match(repeated.out, /Over 3 draws of the folds \(l2=0\.1; the tables above are the first draw/);
      assert.match(repeated.out, /grouped CV: all views +-?[\d.]+ ± [\d.]+ \[-?[\d.]+, -?[\d.]+\]/);
      const recorded = (await loadHead(join(root, 'repeated.json'))).metrics?.['repeats'] as {
        seeds: string[];
        cv: { mcc: { values: number[] } };
      };
      assert.equal(recorded.seeds.length, 3);
      assert.equal(recorded.cv.mcc.values.length, 3);
      // --predictions with --repeats: a file per draw of the folds, each scoring as its draw did.
      const drawFiles = ['repeated.csv', 'repeated.draw2.csv', 'repeated.draw3.csv'].map((f) =>
        join(root, f),
      );
      assert.ok(!existsSync(join(root, 'repeated.draw4.csv')));
      const drawn = await Promise.all(
        drawFiles.map(async (f) =>
          parseCsvRecords(await readFile(f, 'utf8')).filter((r) => r.protocol === 'cv'),
        ),
      );
      for (const [j, rs] of drawn.entries()) {
        const scored = mcc(
          rs.map((r) => (Number(r.p) >= 0.5 ? 1 : 0)),
          rs.map((r) => Number(r.label)),
        );
        assert.ok(Math.abs(scored - recorded.cv.mcc.values[j]!) < 1e-6, `draw ${j + 1}: ${scored}`);
      }
      assert.deepEqual(
        drawn[1]!.map((r) => r.image),
        drawn[0]!.map((r) => r.image),
      );
      assert.notDeepEqual(
        drawn[1]!.map((r) => r.fold),
        drawn[0]!.map((r) => r.fold),
        'the second draw holds out other folds',
      );

      // An MLP from two starts without early stopping: both recorded with the head.
      await run([
        '--out',
        join(root, 'mlp.json'),
        '--folds',
        '2',
        '--l2',
        '0.1',
        '--model',
        'mlp',
        '--hidden',
        '4',
        '--restarts',
        '2',
        '--no-early-stop',
      ]);
      const mlp = await loadHead(join(root, 'mlp.json'));
      assert.equal(mlp.type, 'mlp');
      assert.deepEqual(
        [mlp.metrics?.['hidden'], mlp.metrics?.['restarts'], mlp.metrics?.['early_stop']],
        [4, 2, false],
      );

      // Boosted trees with the default shape and the leaves' L2 grid: the file holds them and records it.
      const grown = await run(['--out', join(root, 'trees.json'), '--folds', '2', '--model', 'trees']);
      for (const l2 of ['0.3', '1', '3', '10'])
        assert.match(grown.err, new RegExp(`trees l2=${l2.replace('.', '\\.')}: grouped 2-fold CV`));
      assert.doesNotMatch(grown.err, /l2=0\.003/);
      const trees = await loadHead(join(root, 'trees.json'));
      assert.deepEqual([trees.type, trees.version, trees.trees?.trees.length], ['trees', 5, 200]);
      assert.deepEqual(trees.metrics?.['trees'], { count: 200, depth: 3, rate: 0.1 });

      // --view-seeds: the views of another seed are embedded once, and both draws of the folds run
      // on each seed's views; the report splits the spread by seed.
      const viewed = await run([
        '--out',
        join(root, 'viewed.json'),
        '--folds',
        '2',
        '--l2',
        '0.1',
        '--repeats',
        '2',
        '--view-seeds',
        'other',
      ]);
      assert.match(viewed.err, /views of seed other \(--view-seeds\):\nembed \[/);
      assert.match(viewed.err, /draw 4\/4 \(views other, folds other#2\): grouped CV MCC/);
      assert.match(
        viewed.out,
        /Over 4 draws \(views of seeds train, other; 2 draws of the folds each\) \(l2=0\.1; the tables above are the first draw, seed train\)/,
      );
      assert.match(viewed.out, /grouped CV, views of seed other +-?[\d.]+ ± [\d.]+ \[/);
      const byViews = (await loadHead(join(root, 'viewed.json'))).metrics?.['repeats'] as {
        seeds: string[];
        views: string[];
      };
      assert.deepEqual(byViews.seeds, ['train', 'train#2', 'other', 'other#2']);
      assert.deepEqual(byViews.views, ['train', 'train', 'other', 'other']);
      // The head is the own views' alone: that of the plain run at the same L2 and seed.
      const plain = await run([
        ...['--out', join(root, 'plain.json'), '--folds', '2', '--l2', '0.1'],
        ...['--predictions', join(root, 'plain.csv')],
      ]);
      assert.doesNotMatch(plain.err, /embed \[/);
      assert.deepEqual(
        (await loadHead(join(root, 'viewed.json'))).layers,
        (await loadHead(join(root, 'plain.json'))).layers,
      );

      // --ensemble: a head per seed of the views, each the head a run at its --seed ships, and the
      // mean of the two scored as the stage serves it.
      const ens = await run([
        ...['--out', join(root, 'ens.json'), '--folds', '2', '--l2', '0.1'],
        ...['--view-seeds', 'other', '--ensemble', '--report', join(root, 'ens-report.json')],
        ...['--predictions', join(root, 'ens')],
      ]);
      const ensReport = JSON.parse(await readFile(join(root, 'ens-report.json'), 'utf8')) as {
        overall: { n: number };
        ensemble: { seeds: string[]; overall: { n: number }; sweep: unknown[] };
      };
      assert.deepEqual(ensReport.ensemble.seeds, ['train', 'other']);
      assert.equal(ensReport.ensemble.overall.n, ensReport.overall.n);
      assert.ok(ensReport.ensemble.sweep.length > 0);
      assert.doesNotMatch(ens.err, /embed \[/);
      assert.match(ens.err, /ensemble: the head on the views of seed other/);
      assert.match(
        ens.out,
        /Ensemble of 2 heads, one per seed of the views \(train, other\); the mean of their calibrated logits, as the stage serves it:\n/,
      );
      assert.match(ens.out, /Wrote .*ens\.json, .*ens-other\.json\n/);
      const alone = await run([
        '--out',
        join(root, 'other.json'),
        '--folds',
        '2',
        '--l2',
        '0.1',
        '--seed',
        'other',
        '--predictions',
        join(root, 'other.csv'),
      ]);
      assert.doesNotMatch(alone.err, /embed \[/);
      assert.equal(
        await readFile(join(root, 'ens-other.json'), 'utf8'),
        await readFile(join(root, 'other.json'), 'utf8'),
      );
      // --predictions: each head's out-of-fold answers, as its own seed's run writes them (a name
      // without an extension gets .csv for the other seeds).
      assert.equal(
        await readFile(join(root, 'ens-other.csv'), 'utf8'),
        await readFile(join(root, 'other.csv'), 'utf8'),
      );
      assert.equal(
        await readFile(join(root, 'ens'), 'utf8'),
        await readFile(join(root, 'plain.csv'), 'utf8'),
      );
      // The first draw of --repeats is the unrepeated run.
      assert.equal(await readFile(drawFiles[0]!, 'utf8'), await readFile(join(root, 'plain.csv'), 'utf8'));
      // The run's own head is the plain run's; only its record of the draws differs.
      const [ensOwn, plainHead] = [
        await loadHead(join(root, 'ens.json')),
        await loadHead(join(root, 'plain.json')),
      ];
      assert.deepEqual(
        [ensOwn.layers, ensOwn.temperature, ensOwn.shift],
        [plainHead.layers, plainHead.temperature, plainHead.shift],
      );

      const o = sink();
      const calibrated = join(root, 'calibrated.json');
      await calibrateCommand({ stdout: o.stream, stderr: sink().stream }).parseAsync(
        [...args, '--head', out, '--out', calibrated],
        { from: 'user' },
      );
      assert.match(o.text(), /temperature [\d.]+ \(was [\d.]+\)/);
      const re = await loadHead(calibrated);
      assert.deepEqual(re.layers, head.layers);
      assert.ok((re.metrics as { calibration?: unknown }).calibration !== undefined);

      // Risk control: 8 held-out images cannot certify any band, and the command says so.
      const r = sink();
      const risky = join(root, 'risky.json');
      await calibrateCommand({ stdout: r.stream, stderr: sink().stream }).parseAsync(
        [...args, '--head', out, '--out', risky, '--alpha', '0.2', '--delta', '0.2'],
        { from: 'user' },
      );
      assert.match(r.text(), /Metrics on the held-out groups/);
      assert.match(
        r.text(),
        /no exit band has error on exits ≤ 0\.2 with probability ≥ 0\.8 on these 8 rows/,
      );
      const cal = (await loadHead(risky)).metrics!.calibration as { held_out: number; risk: string };
      assert.equal(cal.held_out, 16);
      assert.match(cal.risk, /coverage 0/);
    }),
);

test(
  'roadwork train --bundle --register writes a verified bundle with lineage that serves the head',
  { timeout: 300_000 },
  () =>
    inSceneFolder('train-bundle-', async (root, data) => {
      const dataDir = join(root, 'state');
      const clock = systemClock();
      const store = openStore(storeFile(dataDir));
      let ingested: string;
      try {
        const report = await addDataset(
          data,
          { store, imagesDir: join(dataDir, 'images'), clock },
          { name: 'scenes' },
        );
        assert.equal(report.rejected.length, 0);
        ingested = report.version;
      } finally {
        store.close();
      }
      // Protocol 0.4 (the default): one source-size view per image.
      const args = ['--data', data, '--embeddings.cache_dir', join(root, 'cache'), '--model.workers', '1'];
      const train = async (extra: string[]) => {
        const o = sink();
        await trainCommand({ stdout: o.stream, stderr: sink().stream, env: {} }).parseAsync(
          [...args, '--folds', '2', '--target-accuracy', '0.6', ...extra],
          { from: 'user' },
        );
        return o.text();
      };

      const b1 = join(root, 'b1');
      const out1 = await train([
        '--out',
        join(root, 'h1.json'),
        '--l2',
        '1',
        '--bundle',
        b1,
        '--register',
        '--data_dir',
        dataDir,
      ]);
      const m1 = await verifyBundle(b1);
      assert.match(out1, new RegExp(`Registered ${m1.id}`));
      assert.equal(m1.data_version, ingested);
      // Registering seeded production with the bundled starter, so the starter is m1's parent.
      const starter = (() => {
        const store = openStore(storeFile(dataDir), { readonly: true });
        try {
          return productionVersion(store);
        } finally {
          store.close();
        }
      })();
      assert.match(String(starter?.manifest.metrics.source), /starter/);
      assert.equal(m1.parent, starter?.id);
      const metrics = m1.metrics as {
        mcc: number;
        overall: { mcc: { lo: number; hi: number } };
        data: { images: number };
      };
      assert.equal(typeof metrics.mcc, 'number');
      assert.ok(metrics.overall.mcc.lo <= metrics.mcc && metrics.mcc <= metrics.overall.mcc.hi);
      assert.equal(metrics.data.images, 16);
      assert.deepEqual(m1.files.map((f) => f.path).sort(), ['cascade.json', 'head.json']);
      assert.equal(
        await readFile(join(b1, 'head.json'), 'utf8'),
        await readFile(join(root, 'h1.json'), 'utf8'),
      );

      const deps = { store: openStore(storeFile(dataDir)), bundlesDir: join(dataDir, 'bundles'), clock };
      try {
        assert.deepEqual(
          listVersions(deps.store)
            .map((v) => v.id)
            .sort(),
          [m1.id, starter!.id].sort(),
        );
        await promoteVersion(m1.id, deps, { force: true });
      } finally {
        deps.store.close();
      }

      // The next model names the production one as its parent; with --base production it takes the
      // place of production's head (m1's one stage, the same embedder).
      const b2 = join(root, 'b2');
      await train([
        ...['--out', join(root, 'h2.json'), '--l2', '0.1', '--bundle', b2, '--data_dir', dataDir],
        ...['--base', 'production'],
      ]);
      const m2 = await verifyBundle(b2);
      assert.equal(m2.parent, m1.id);
      assert.deepEqual(m2.metrics.base, {
        cascade: join(dataDir, 'bundles', m1.id, 'cascade.json'),
        version: null,
        stage: 'trained',
        replaced: await headline(join(root, 'h1.json')),
      });
      assert.deepEqual(JSON.parse(await readFile(join(b2, 'cascade.json'), 'utf8')), {
        ...JSON.parse(await readFile(join(b1, 'cascade.json'), 'utf8')),
        version: 'cascade.json + trained trained',
      });
      assert.equal(
        await readFile(join(b2, 'head.json'), 'utf8'),
        await readFile(join(root, 'h2.json'), 'utf8'),
      );

      // Without the store, the data version is the folder and its content hash. --base: a two-route
      // cascade of the operator's, whose small-image route the head fits (the large route decodes by
      // letterbox, as this head was not trained): the bundle keeps both routes and serves the new head.
      const base = join(root, 'base');
      await mkdir(base);
      const stage = (name: string) => ({
        name,
        kind: 'backbone-head',
        embedder: { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { extras: ['colour-shape'] } },
        head: '../h1.json',
      });
      const routes = [
        { max_side: 256, tta: ['identity', 'hflip'], stages: [stage('small')] },
        { preprocess: { size: 224, resize: 'letterbox' }, stages: [stage('large')] },
      ];
      await writeFile(join(base, 'cascade.yaml'), JSON.stringify({ version: 'mine-1', routes }));
      const b3 = join(root, 'b3');
      const err3 = sink();
      await trainCommand({ stdout: sink().stream, stderr: err3.stream, env: {} }).parseAsync(
        [
          ...args,
          ...['--folds', '2', '--target-accuracy', '0.6', '--out', join(root, 'h3.json'), '--l2', '1'],
          ...['--bundle', b3, '--data_dir', join(root, 'none'), '--base', join(base, 'cascade.yaml')],
        ],
        { from: 'user' },
      );
      assert.match(err3.text(), /Base cascade .*cascade\.yaml: the trained head replaces stage small's head/);
      const m3 = await verifyBundle(b3);
      assert.equal(m3.data_version, `folder:${data}@${ingested}`);
      assert.equal(m3.parent, null);
      assert.deepEqual(m3.files.map((f) => f.path).sort(), [
        'cascade.json',
        'files/h1.json',
        'head-small.json',
      ]);
      const routed = await loadCascadeConfig(join(b3, 'cascade.json'));
      assert.deepEqual(
        routed.routes?.map((r) => [r.maxSide, r.config.stages.map((s) => s.common.name)]),
        [
          [256, ['small']],
          [Infinity, ['large']],
        ],
      );
      await assertServesHeadWithFlipTta(
        routed.routes![0]!.config,
        await loadHead(join(root, 'h3.json')),
        testScene('bundle'),
      );

      // --ensemble: both seeds' heads in one stage, the bundle's numbers and exits the ensemble's.
      const b4 = join(root, 'b4');
      const out4 = await train([
        ...['--out', join(root, 'h4.json'), '--l2', '1', '--view-seeds', 'v2', '--ensemble'],
        // A training-only view per image, so that the two seeds' heads differ (0.4 scores one source view).
        ...['--train-views', '0,0,0,1'],
        ...['--bundle', b4, '--data_dir', join(root, 'none')],
      ]);
      assert.match(out4, /Wrote .*h4\.json, .*h4-v2\.json\n/);
      const m4 = await verifyBundle(b4);
      assert.deepEqual(m4.files.map((f) => f.path).sort(), ['cascade.json', 'head-2.json', 'head.json']);
      assert.equal(
        await readFile(join(b4, 'head-2.json'), 'utf8'),
        await readFile(join(root, 'h4-v2.json'), 'utf8'),
      );
      const m4metrics = m4.metrics as {
        mcc: number;
        overall: { mcc: { value: number } };
        ensemble: { seeds: string[]; heads: { seed: string; overall: unknown }[] };
      };
      assert.deepEqual(m4metrics.ensemble.seeds, ['train', 'v2']);
      assert.deepEqual(
        m4metrics.ensemble.heads.map((h) => h.seed),
        ['train', 'v2'],
      );
      assert.equal(m4metrics.mcc, m4metrics.overall.mcc.value);
      const ensembled = await loadCascadeConfig(join(b4, 'cascade.json'));
      const [h4, h4v2] = [await loadHead(join(root, 'h4.json')), await loadHead(join(root, 'h4-v2.json'))];
      assert.notDeepEqual(h4.layers, h4v2.layers);
      await assertServesHeadWithFlipTta(ensembled, [h4, h4v2], testScene('bundle'));

      // --columns: a head on the colour/shape columns alone is written for the whole embedding (a
      // column head that reads those 140), so it bundles and serves like any other.
      const b5 = join(root, 'b5');
      await train([
        ...['--out', join(root, 'h5.json'), '--l2', '1', '--columns', '1280:1420'],
        ...['--bundle', b5, '--data_dir', join(root, 'none')],
      ]);
      const h5 = await loadHead(join(root, 'h5.json'));
      assert.deepEqual([h5.version, h5.inputDims, h5.columns], [4, 1420, [1280, 1420]]);
      assert.deepEqual(h5.metrics?.['columns'], [1280, 1420]);
      assert.equal(h5.layers[0]!.weights[0]!.length, 140);
      await assertServesHeadWithFlipTta(
        await loadCascadeConfig(join(b5, 'cascade.json')),
        h5,
        testScene('bundle'),
      );

      const config = await loadCascadeConfig(join(b1, 'cascade.json'));
      assert.deepEqual(config.tta, ['identity', 'hflip']);
      await assertServesHeadWithFlipTta(config, await loadHead(join(b1, 'head.json')), testScene('bundle'));
    }),
);

test('--base on an ensemble stage says how many heads the run trains in place of how many', async () => {
  // Trained as the starter's 0.4 stage serves: its embedder, its route's preprocess, hflip TTA.
  const route = (await loadCascadeConfig(DEFAULT_CASCADE_FILE)).routes![1]!.config;
  const trained = {
    embedders: (route.stages[0]!.config as BackboneHeadConfig).embedders,
    tta: true,
    preprocess: route.preprocess,
  };
  const lines = async (heads: number, range?: { first: number; last: number }) => {
    const log: string[] = [];
    await planBase(
      { base: DEFAULT_CASCADE_FILE, orAlone: false, heads, ...(range ? { range } : {}) },
      trained,
      {} as Settings,
      (l) => log.push(l),
    );
    return log.join('\n');
  };
  const n = STARTER_04_HEADS.length;
  const one = await lines(1);
  assert.match(one, /the trained head replaces stage starter-448's heads;/);
  assert.match(
    one,
    new RegExp(
      `note: stage starter-448 serves ${n} heads as one ensemble; this run trains 1, which takes the place of all ${n} \\(train one per seed`,
    ),
  );
  const all = await lines(n);
  assert.match(all, new RegExp(`the ${n} trained heads replace stage starter-448's heads;`));
  assert.doesNotMatch(all, /note:/);
  // --base-heads: a range is replaced, or heads join after the stage's; no note either way.
  const ranged = await lines(2, { first: 2, last: 3 });
  assert.match(ranged, new RegExp(`the 2 trained heads replace heads 2-3 of stage starter-448's ${n};`));
  assert.doesNotMatch(ranged, /note:/);
  assert.match(
    await lines(1, { first: n + 1, last: n + 1 }),
    new RegExp(`the trained head joins stage starter-448's ${n} heads, after them;`),
  );
});

test('roadwork train refuses --register without --bundle before embedding anything', async () => {
  await assert.rejects(
    trainCommand({ stdout: sink().stream, stderr: sink().stream }).parseAsync(
      ['--data', '/nonexistent', '--out', '/nonexistent/h.json', '--register'],
      { from: 'user' },
    ),
    /ERR_CONFIG_INVALID|Invalid --register/,
  );
});

test('roadwork train checks --base, --base-stage and --base-or-alone before embedding anything', async () => {
  const run = (extra: string[]) =>
    trainCommand({ stdout: sink().stream, stderr: sink().stream }).parseAsync(
      ['--data', '/nonexistent', '--out', join(tmpdir(), 'never.json'), ...extra],
      { from: 'user' },
    );
  const invalid = (message: RegExp) => (e: unknown) =>
    isRoadworkError(e, 'ERR_CONFIG_INVALID') && message.test(e.message);
  await assert.rejects(
    run(['--base', 'production']),
    invalid(/^Invalid --base: no --bundle; give --bundle DIR too$/),
  );
  await assert.rejects(
    run(['--bundle', join(tmpdir(), 'never'), '--base-stage', 'x']),
    invalid(/^Invalid --base-stage: no --base; give --base CASCADE too$/),
  );
  await assert.rejects(
    run(['--bundle', join(tmpdir(), 'never'), '--base-or-alone']),
    invalid(/^Invalid --base-or-alone: no --base/),
  );
  await assert.rejects(
    run(['--bundle', join(tmpdir(), 'never'), '--base-heads', '2-3']),
    invalid(/^Invalid --base-heads: no --base; give --base CASCADE too$/),
  );
  for (const bad of ['0', '3-2', 'a', '1-', '1,2'])
    await assert.rejects(
      run(['--bundle', join(tmpdir(), 'never'), '--base', 'production', '--base-heads', bad]),
      invalid(
        /^Invalid --base-heads: .*; give the stage's heads to replace, counted from 1, as FIRST-LAST or N/,
      ),
    );
  // A range past the starter 2.0.4 stage's heads is refused with their count, before anything is embedded.
  await assert.rejects(
    run([
      ...['--bundle', join(tmpdir(), 'never'), '--base', DEFAULT_CASCADE_FILE, '--base-heads', '40-41'],
      ...[
        '--protocol',
        '2.0.4',
        '--embedder-options',
        '{"layer":"out_relu","pooling":"max","inputSize":448,"extras":["colour-shape"]}',
      ],
    ]),
    invalid(
      new RegExp(
        `^Invalid --base-heads 40-41: stage starter serves ${STARTER_204_HEADS.length} heads; start the range at 1 to`,
      ),
    ),
  );
  // The default backbone options fit no stage of the starter: refused, saying why, with nothing embedded.
  await assert.rejects(
    run(['--bundle', join(tmpdir(), 'never'), '--base', DEFAULT_CASCADE_FILE]),
    (e: unknown) =>
      isRoadworkError(e, 'ERR_BASE_CASCADE') && /fits no single stage .* starter: embedder /.test(e.message),
  );
});

test(
  'roadwork train --synthetic trains on procedural scenes, scores only real ones and says how many; 0 changes nothing',
  { timeout: 180_000 },
  () =>
    inSceneFolder('train-syn-cli-', async (root, data) => {
      const model = join(root, 'grid.onnx');
      await writeFile(model, poolEmbedderModel({ size: 32, rows: 4, cols: 4 }));
      const run = async (name: string, extra: string[]) => {
        const o = sink();
        const e = sink();
        await trainCommand({ stdout: o.stream, stderr: e.stream }).parseAsync(
          [
            ...views2004(root, data),
            ...[
              '--embedder',
              `onnx:${model}`,
              '--embedder-options',
              '{"size":32,"mean":[0,0,0],"std":[1,1,1]}',
            ],
            ...['--folds', '2', '--l2', '0.1,1', '--target-accuracy', '0.6'],
            ...['--out', join(root, `${name}.json`), '--report', join(root, `${name}.report.json`), ...extra],
          ],
          { from: 'user' },
        );
        return {
          out: o.text(),
          err: e.text(),
          head: await readFile(join(root, `${name}.json`), 'utf8'),
          report: await readFile(join(root, `${name}.report.json`), 'utf8'),
        };
      };
      const plain = await run('plain', []);
      const zero = await run('zero', ['--synthetic', '0']);
      assert.equal(zero.head, plain.head);
      assert.equal(zero.report, plain.report);
      assert.equal(zero.out.replace(/zero\.json/g, 'plain.json'), plain.out);
      assert.doesNotMatch(plain.out, /Synthetic/);

      const syn = await run('syn', ['--synthetic', '6', '--synthetic-weight', '0.5']);
      assert.match(
        syn.err,
        /32 views of 16 images, .*; training adds 12 views of 6 synthetic scenes \(weight 0\.5\)/,
      );
      assert.match(syn.out, /Synthetic scenes in training: 6 \(12 views, weight 0\.5\); none scored/);
      const report = JSON.parse(syn.report) as {
        synthetic: unknown;
        overall: { n: number };
        families: Record<string, unknown>;
      };
      assert.deepEqual(report.synthetic, { images: 6, views: 12, weight: 0.5 });
      assert.equal(report.overall.n, 32);
      assert.deepEqual(Object.keys(report.families), ['other']);
      const head = await loadHead(join(root, 'syn.json'));
      assert.deepEqual(head.metrics?.synthetic, { images: 6, weight: 0.5 });
      assert.notEqual(syn.head, plain.head);
    }),
);

/** `train` with `args` on a folder that does not exist fails with `message`: nothing was read. */
async function refusedBeforeEmbedding(args: readonly string[], message: RegExp): Promise<void> {
  await assert.rejects(
    trainCommand({ stdout: sink().stream, stderr: sink().stream }).parseAsync(
      ['--data', '/nonexistent', '--out', '/nonexistent/h.json', ...args],
      { from: 'user' },
    ),
    (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && message.test(err.message),
  );
}

test(
  'roadwork train with a features embedder beside a backbone fits a head on its columns, and its bundle serves it',
  { timeout: 180_000 },
  () =>
    inSceneFolder('train-features-', async (root, data) => {
      const mean = join(root, 'mean.onnx');
      await writeFile(mean, poolEmbedderModel({ size: 32 }));
      const opts = '{"size":32,"mean":[0,0,0],"std":[1,1,1]}';
      const bundle = join(root, 'bundle');
      const e = sink();
      await trainCommand({ stdout: sink().stream, stderr: e.stream, env: {} }).parseAsync(
        [
          ...views2004(root, data),
          ...['--embedder', `onnx:${mean}`, '--embedder-options', opts],
          ...['--embedder', 'features:builtin:objects', '--embedder-options', '{}'],
          ...['--columns', '3:27', '--folds', '2', '--l2', '1', '--target-accuracy', '0.6'],
          ...['--out', join(root, 'h.json'), '--bundle', bundle, '--data_dir', join(root, 'state')],
        ],
        { from: 'user' },
      );
      const head = await loadHead(join(root, 'h.json'));
      assert.deepEqual([head.version, head.inputDims, head.columns], [4, 3 + 24, [3, 27]]);
      assert.match(head.embedder ?? '', / \+\+ features:ob1$/);
      const config = await loadCascadeConfig(join(bundle, 'cascade.json'));
      const stage = config.stages[0]!.config as BackboneHeadConfig;
      assert.deepEqual(
        stage.embedders.map((m) => [m.runtime, m.model]),
        [
          ['onnx', mean],
          ['features', 'builtin:objects'],
        ],
      );
      await assertServesHeadWithFlipTta(config, head, testScene('features'), { embedders: stage.embedders });
    }),
);

test('roadwork train says --ensemble needs --view-seeds, whose seeds name its head files, before embedding anything', async () => {
  await refusedBeforeEmbedding(['--ensemble'], /^Invalid --ensemble: no --view-seeds; give the other seeds/);
  await refusedBeforeEmbedding(
    ['--ensemble', '--view-seeds', 's2,a/b'],
    /^Invalid --view-seeds with --ensemble: a\/b; each seed names its head file \(h-SEED\.json\)/,
  );
  await refusedBeforeEmbedding(
    ['--ensemble', '--view-seeds', '.x'],
    /^Invalid --view-seeds with --ensemble: \.x;/,
  );
});

test('roadwork train says --mil is missing, invalid, or for --model mil only, before embedding anything', async () => {
  for (const [args, message] of [
    [['--model', 'mil'], /^Missing --mil; --model mil needs --mil CELLS,DIMS,POOL/],
    [['--model', 'mil', '--mil', '49,1280'], /^Invalid --mil: 49,1280; --model mil needs/],
    [['--model', 'mil', '--mil', '49,1280,-2'], /^Invalid --mil: 49,1280,-2;/],
    [
      ['--model', 'logistic', '--mil', '49,1280,max'],
      /^Invalid --mil with --model logistic; it is for --model mil/,
    ],
    [
      ['--model', 'mil', '--mil', '49,1280,max', '--style-null', '4'],
      /^Invalid --style-null: 4; mil heads share their weights across cells/,
    ],
    [
      ['--model', 'mil', '--mil', '49,1280,max', '--column-l2', '0:1280=10'],
      /^Invalid --column-l2: 0:1280=10; mil heads share their weights across cells/,
    ],
  ] as const)
    await refusedBeforeEmbedding(args, message);
});

test('roadwork train says --trees is invalid or for --model trees only, before embedding anything', async () => {
  for (const [args, message] of [
    [
      ['--model', 'trees', '--trees', '200'],
      /^Invalid --trees: 200; --model trees takes --trees COUNT,DEPTH\[,RATE\]/,
    ],
    [['--model', 'trees', '--trees', '200,9'], /^Invalid --trees: 200,9;/],
    [['--model', 'trees', '--trees', '0,3'], /^Invalid --trees: 0,3;/],
    [['--model', 'trees', '--trees', '200,3,1.5'], /^Invalid --trees: 200,3,1.5;/],
    [['--model', 'mlp', '--trees', '200,3'], /^Invalid --trees with --model mlp; it is for --model trees/],
    [
      ['--model', 'trees', '--style-null', '4'],
      /^Invalid --style-null: 4; trees heads split on raw values and have no input weights/,
    ],
    [['--model', 'trees', '--column-l2', '0:10=10'], /^Invalid --column-l2: 0:10=10; trees heads split/],
    [['--model', 'trees', '--restarts', '3'], /^Invalid --restarts 3 with --model trees: only an mlp head/],
    // A bad --l2 with trees suggests the leaves' grid, not the dense heads'.
    [
      ['--model', 'trees', '--l2', 'abc'],
      /^--l2 has a value that is not a number .*Give e\.g\. --l2 0\.3,1,3,10\.$/,
    ],
  ] as const)
    await refusedBeforeEmbedding(args, message);
});

test('roadwork train says --conv is missing, invalid, or for --model conv only, before embedding anything', async () => {
  for (const [args, message] of [
    [['--model', 'conv'], /^Missing --conv; --model conv needs --conv CELLS,LAYER\[,EPOCHS\[,LR\]\]/],
    [['--model', 'conv', '--conv', '49'], /^Invalid --conv: 49; --model conv needs/],
    [['--model', 'conv', '--conv', '49,Conv_1,-1'], /^Invalid --conv: 49,Conv_1,-1;/],
    [['--model', 'conv', '--conv', '49,Conv_1,3,0'], /^Invalid --conv: 49,Conv_1,3,0;/],
    [['--model', 'mlp', '--conv', '49,Conv_1'], /^Invalid --conv with --model mlp; it is for --model conv/],
    [
      ['--model', 'conv', '--conv', '49,Conv_1', '--style-null', '4'],
      /^Invalid --style-null: 4; conv heads share their weights across cells/,
    ],
    [
      ['--model', 'conv', '--conv', '49,Conv_1', '--columns', '0:100'],
      /^Invalid --columns with --model conv: 0:100; a conv head reads the whole embedding/,
    ],
    [
      ['--model', 'mil', '--mil', '49,1280,max', '--columns', '0:100'],
      /^Invalid --columns with --model mil: 0:100; a mil head reads the whole embedding/,
    ],
  ] as const)
    await refusedBeforeEmbedding(args, message);
});

test('roadwork train refuses --restarts and --no-early-stop but for an mlp head, before embedding anything', async () => {
  for (const [extra, message] of [
    [['--restarts', '0'], /^--restarts is not a whole number of at least 1: "0"/],
    [
      ['--restarts', '4'],
      /^Invalid --restarts 4 with --model logistic: only an mlp head has random starting weights/,
    ],
    [
      ['--model', 'conv', '--conv', '49,Conv_1', '--no-early-stop'],
      /^Invalid --no-early-stop with --model conv: /,
    ],
  ] as const) {
    await assert.rejects(
      trainCommand({ stdout: sink().stream, stderr: sink().stream }).parseAsync(
        ['--data', '/nonexistent', '--out', '/nonexistent/h.json', ...extra],
        { from: 'user' },
      ),
      (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && message.test(err.message),
    );
  }
});

test('roadwork train refuses a bad number in --synthetic, --synthetic-weight, --folds, --hidden, --l2, --column-l2, --style-null, --repeats, --view-seeds, --paste-views, --paste-decoys or the view counts before embedding anything', async () => {
  for (const [flag, value, message] of [
    ['--synthetic', '-1', '--synthetic is not a whole number of at least 0: "-1"'],
    ['--synthetic', '2.5', '--synthetic is not a whole number of at least 0: "2.5"'],
    ['--synthetic-weight', '0', '--synthetic-weight is not a number greater than 0: "0"'],
    ['--synthetic-weight', 'x', '--synthetic-weight is not a number greater than 0: "x"'],
    ['--train-views', '1,1,1', '--train-views needs 4 comma-separated values: "1,1,1"'],
    [
      '--train-views',
      '0,0,0,1.5',
      '--train-views has a value that is not a whole number of at least 0: "1.5"',
    ],
    ['--train-views', '0,-1,0,0', '--train-views has a value that is not a whole number of at least 0: "-1"'],
    ['--folds', '2.5', '--folds is not a whole number of at least 2: "2.5"'],
    ['--hidden', '0', '--hidden is not a whole number of at least 1: "0"'],
    ['--l2', '0.1,', '--l2 has a value that is not a number of at least 0: ""'],
    ['--views', '1,1,1,1.5', '--views has a value that is not a whole number of at least 0: "1.5"'],
    ['--column-l2', '1280:0=10', 'Invalid --column-l2: 1280:0=10; write START:END=FACTOR'],
    ['--column-l2', '0:1280=-1', 'Invalid --column-l2: 0:1280=-1; write START:END=FACTOR'],
    ['--column-l2', '0:1280', 'Invalid --column-l2: 0:1280; write START:END=FACTOR'],
    ['--style-null', '0', '--style-null is not a whole number of at least 1: "0"'],
    ['--style-null', '2.5', '--style-null is not a whole number of at least 1: "2.5"'],
    ['--repeats', '0', '--repeats is not a whole number of at least 1: "0"'],
    ['--paste-views', '-1', '--paste-views is not a whole number of at least 0: "-1"'],
    ['--paste-decoys', '1.5', '--paste-decoys is not a whole number of at least 0: "1.5"'],
    ['--view-seeds', 'a,,b', 'Invalid --view-seeds: a,,b; give seeds separated by commas'],
    ['--view-seeds', 'a,a', 'Invalid --view-seeds: a,a; a seed is given twice'],
    [
      '--view-seeds',
      's2,train',
      'Invalid --view-seeds: s2,train; train is --seed, whose views the run draws already',
    ],
  ] as const) {
    await assert.rejects(
      trainCommand({ stdout: sink().stream, stderr: sink().stream }).parseAsync(
        ['--data', '/nonexistent', '--out', '/nonexistent/h.json', flag, value],
        { from: 'user' },
      ),
      (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && err.message.startsWith(message),
    );
  }
});

test(
  'roadwork train with two --embedder flags trains on their concatenation, reusing each cache, and its bundle serves it',
  { timeout: 180_000 },
  () =>
    inSceneFolder('train-concat-', async (root, data) => {
      const [mean, grid] = [join(root, 'mean.onnx'), join(root, 'grid.onnx')];
      await writeFile(mean, poolEmbedderModel({ size: 32 }));
      await writeFile(grid, poolEmbedderModel({ size: 32, rows: 2, cols: 2 }));
      const opts = '{"size":32,"mean":[0,0,0],"std":[1,1,1]}';
      const run = async (name: string, embedders: string[], extra: string[] = []) => {
        const e = sink();
        await trainCommand({ stdout: sink().stream, stderr: e.stream, env: {} }).parseAsync(
          [
            ...views2004(root, data),
            ...embedders.flatMap((m) => ['--embedder', `onnx:${m}`, '--embedder-options', opts]),
            ...['--folds', '2', '--l2', '0.1,1', '--target-accuracy', '0.6'],
            ...['--out', join(root, `${name}.json`), ...extra],
          ],
          { from: 'user' },
        );
        return { err: e.text(), head: await loadHead(join(root, `${name}.json`)) };
      };
      const alone = await run('mean', [mean]);
      assert.match(alone.err, /embed \[/);
      const bundle = join(root, 'bundle');
      const both = await run('both', [mean, grid], ['--bundle', bundle, '--data_dir', join(root, 'state')]);
      // The first backbone's views come from its cache; only the second one embeds (one bar ends).
      const ends = (text: string) => text.match(/embed \[#{24}\]/g)?.length ?? 0;
      assert.equal(ends(alone.err), 1);
      assert.equal(ends(both.err), 1);
      assert.equal(both.head.inputDims, 3 + 12);
      assert.equal(both.head.embedder, `${alone.head.embedder} ++ ${both.head.embedder!.split(' ++ ')[1]}`);
      assert.match(both.head.embedder!.split(' ++ ')[1]!, /grid\.onnx|onnx:/);

      const config = await loadCascadeConfig(join(bundle, 'cascade.json'));
      const stage = config.stages[0]!.config as { embedders: { model: string }[] };
      assert.deepEqual(
        stage.embedders.map((e) => e.model),
        [mean, grid],
      );
      const refs = [mean, grid].map((model) => ({ runtime: 'onnx', model, options: JSON.parse(opts) }));
      await assertServesHeadWithFlipTta(config, both.head, testScene('concat'), { embedders: refs });

      // --paste-views: a pasted copy of every roadwork-free image joins the training-only views.
      const pasted = await run('pasted', [mean], ['--paste-views', '1']);
      const negatives = Number(
        /(\d+) of them roadwork-free photos with a work zone pasted in/.exec(pasted.err)?.[1],
      );
      assert.ok(negatives > 0, pasted.err);
      assert.equal(ends(pasted.err), 1, 'only the pasted copies are embedded');
      assert.match(pasted.err, new RegExp(`; ${negatives} more views train only`));
      assert.notDeepEqual(pasted.head.layers, alone.head.layers);

      await assert.rejects(
        run('bad', [mean], ['--embedder-options', opts]),
        (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /2 given for 1 --embedder/.test(err.message),
      );
    }),
);
