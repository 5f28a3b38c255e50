// `roadwork train` on awkward data: unreadable files, one label, few groups; and where its state goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { encodeScene, generateScene } from '../../data/procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { poolEmbedderModel } from '../../../test/fixtures/onnx-models.js';
import { addEmbeddingFlags, embeddingOptions } from './_embedding-flags.js';
import { trainCommand } from './train.js';
import { textSink } from '../../../test/fixtures/streams.js';

const sink = textSink;

/** 6 scenes per label in 3 groups, plus (when `bad`) a truncated JPEG and a text file named .jpg. */
async function folder(dir: string, options: { bad?: boolean; labels?: readonly (0 | 1)[] } = {}) {
  const lines = ['file,label,group'];
  for (const label of options.labels ?? [0, 1]) {
    await mkdir(join(dir, label ? 'pos' : 'neg'), { recursive: true });
    for (let i = 0; i < 6; i++) {
      const s = generateScene(createRng(`scene-${label}-${i}`), {
        roadwork: label === 1,
        width: 64,
        height: 48,
      });
      const file = `${label ? 'pos' : 'neg'}/s${i}.jpg`;
      await writeFile(join(dir, file), await encodeScene(s.rgb, s.width, s.height));
      lines.push(`${file},${label},g${i % 3}`);
    }
  }
  if (options.bad) {
    const good = await readFile(join(dir, 'pos', 's0.jpg'));
    await writeFile(join(dir, 'pos', 'truncated.jpg'), good.subarray(0, 200));
    await writeFile(join(dir, 'neg', 'notes.jpg'), 'not an image\n');
    lines.push('pos/truncated.jpg,1,g0', 'neg/notes.jpg,0,g1');
  }
  await writeFile(join(dir, 'manifest.csv'), `${lines.join('\n')}\n`);
}

/** Runs `train` with a tiny ONNX pooling backbone (fast, real runtime) under `root`. */
async function train(root: string, data: string, extra: string[] = []) {
  const model = join(root, 'pool.onnx');
  await writeFile(model, poolEmbedderModel({ size: 16, cols: 2 }));
  const o = sink();
  const e = sink();
  const args = [
    '--data',
    data,
    '--embedder',
    `onnx:${model}`,
    '--embedder-options',
    '{"size":16,"mean":[0,0,0],"std":[1,1,1]}',
    '--data_dir',
    join(root, 'state'),
    '--model.workers',
    '1',
    '--out',
    join(root, 'head.json'),
    '--folds',
    '2',
    '--l2',
    '1',
    ...extra,
  ];
  const run = trainCommand({ stdout: o.stream, stderr: e.stream }).parseAsync(args, { from: 'user' });
  return { run, out: o.text, err: e.text };
}

async function inRoot(fn: (root: string) => Promise<void>) {
  const root = await mkdtemp(join(tmpdir(), 'train-data-'));
  try {
    await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

test(
  'train skips unreadable images with a named warning and a count, and trains on the rest',
  { timeout: 120_000 },
  () =>
    inRoot(async (root) => {
      const data = join(root, 'data');
      await folder(data, { bad: true });
      const t = await train(root, data, ['--report', join(root, 'report.json')]);
      await t.run;
      assert.match(t.err(), /warning: unreadable image pos\/truncated\.jpg in .*; skipped/);
      assert.match(t.err(), /warning: unreadable image neg\/notes\.jpg in .*; skipped/);
      assert.match(t.err(), /2 unreadable images skipped: .*training on the rest/);
      const head = JSON.parse(await readFile(join(root, 'head.json'), 'utf8')) as {
        metrics: { overall: { n: number } };
      };
      assert.equal(head.metrics.overall.n, 12, 'one scored view per readable image (0.4)');
      const report = JSON.parse(await readFile(join(root, 'report.json'), 'utf8')) as {
        skipped_images: { id: string }[];
      };
      assert.deepEqual(report.skipped_images.map((s) => s.id).sort(), ['neg/notes.jpg', 'pos/truncated.jpg']);
      // The embedding cache went under --data_dir, not the current directory.
      const [version] = readdirSync(join(root, 'state', 'embeddings'));
      assert.ok(existsSync(join(root, 'state', 'embeddings', version!, 'index.json')));
    }),
);

test('train --strict fails at an unreadable image, naming it', { timeout: 120_000 }, () =>
  inRoot(async (root) => {
    const data = join(root, 'data');
    await folder(data, { bad: true });
    const t = await train(root, data, ['--strict']);
    await assert.rejects(t.run, {
      code: 'ERR_DATASET_INVALID',
      message: /unreadable image (pos\/truncated|neg\/notes)\.jpg in .*--strict/,
    });
  }),
);

test(
  'train refuses data of one label with ERR_DATASET_INVALID before embedding anything',
  { timeout: 60_000 },
  () =>
    inRoot(async (root) => {
      const data = join(root, 'data');
      await folder(data, { labels: [1] });
      const t = await train(root, data);
      await assert.rejects(t.run, {
        code: 'ERR_DATASET_INVALID',
        message: /both labels: .* has 6 roadwork and 0 other/,
      });
      assert.doesNotMatch(t.err(), /embed \[/);
    }),
);

test('train warns when the folds outnumber the groups', { timeout: 120_000 }, () =>
  inRoot(async (root) => {
    const data = join(root, 'data');
    await folder(data);
    const t = await train(root, data, ['--folds', '4']);
    await t.run;
    assert.match(t.err(), /warning: 4 folds but only 3 groups/);
  }),
);

function parsed(args: string[]): Record<string, unknown> {
  const command = addEmbeddingFlags(new Command('t')).exitOverride();
  command.parse(['--data', 'x', ...args], { from: 'user' });
  return command.opts();
}

test('embeddingOptions() gives colour-shape extras to the default backbone only', () => {
  const e = sink().stream;
  assert.deepEqual(embeddingOptions(parsed([]), e).embedders, [
    { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { extras: ['colour-shape'] } },
  ]);
  // The --help example: another runtime's backbone gets no tfjs-only option it would refuse.
  assert.deepEqual(
    embeddingOptions(
      parsed(['--embedder', 'transformers:onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX']),
      e,
    ).embedders,
    [{ runtime: 'transformers', model: 'onnx-community/dinov3-vits16-pretrain-lvd1689m-ONNX' }],
  );
  const two = embeddingOptions(
    parsed(['--embedder', 'tfjs:builtin:mobilenetv2', '--embedder', 'tfjs:builtin:inceptionv3']),
    e,
  ).embedders;
  assert.deepEqual(two[0]!.options, { extras: ['colour-shape'] });
  assert.equal(two[1]!.options, undefined);
});

test('embeddingOptions() keeps the embedding cache and models under data_dir (flag or environment)', () => {
  const e = sink().stream;
  const fromFlag = embeddingOptions(parsed(['--data_dir', '/srv/roadwork']), e);
  assert.equal(fromFlag.cacheDir, join('/srv/roadwork', 'embeddings'));
  assert.equal(fromFlag.runtime.cacheDir, join('/srv/roadwork', 'models'));
  const fromEnv = embeddingOptions(parsed([]), e, { ROADWORK_DATA_DIR: '/var/lib/rw' });
  assert.equal(fromEnv.cacheDir, join('/var/lib/rw', 'embeddings'));
  assert.equal(fromEnv.runtime.cacheDir, join('/var/lib/rw', 'models'));
  const explicit = embeddingOptions(
    parsed(['--embeddings.cache_dir', '/c', '--models.cache_dir', '/m', '--data_dir', '/d']),
    e,
  );
  assert.deepEqual([explicit.cacheDir, explicit.runtime.cacheDir], ['/c', '/m']);
});

test('train and calibrate read their model settings from flags, environment and the --config file alike', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-emb-settings-'));
  try {
    const file = join(dir, 'settings.yaml');
    await writeFile(
      file,
      'data_dir: /from-file\nmodel:\n  device: cuda\n  workers: 3\nmodels:\n  offline: true\n',
    );
    const e = sink();
    const fromFile = embeddingOptions(parsed(['--config', file]), e.stream);
    assert.equal(fromFile.cacheDir, join('/from-file', 'embeddings'));
    assert.equal(fromFile.runtime.cacheDir, join('/from-file', 'models'));
    assert.deepEqual(
      [fromFile.runtime.device, fromFile.runtime.workers, fromFile.runtime.offline],
      ['cuda', 3, true],
    );
    const env = {
      ROADWORK_EMBEDDINGS_DIR: '/env-emb',
      ROADWORK_MODELS_DIR: '/env-models',
      MODEL_WORKERS: '4',
    };
    const fromEnv = embeddingOptions(parsed(['--config', file]), e.stream, env);
    assert.deepEqual(
      [fromEnv.cacheDir, fromEnv.runtime.cacheDir, fromEnv.runtime.workers],
      ['/env-emb', '/env-models', 4],
    );
    // Embedding keeps its two workers when nothing says otherwise.
    assert.equal(embeddingOptions(parsed(['--data_dir', dir]), e.stream).runtime.workers, 2);
    assert.equal(e.text(), '', 'no warning for the current flags');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the flags of earlier versions (--cache, --models-dir, --device, --workers, --offline) still work, with a warning', () => {
  const e = sink();
  const old = embeddingOptions(
    parsed(['--cache', '/c', '--models-dir', '/m', '--device', 'cuda', '--workers', '3', '--offline']),
    e.stream,
    { ROADWORK_DATA_DIR: '/d' },
  );
  assert.deepEqual(
    [old.cacheDir, old.runtime.cacheDir, old.runtime.device, old.runtime.workers, old.runtime.offline],
    ['/c', '/m', 'cuda', 3, true],
  );
  for (const [flag, key] of [
    ['--cache', '--embeddings.cache_dir'],
    ['--models-dir', '--models.cache_dir'],
    ['--device', '--model.device'],
    ['--workers', '--model.workers'],
    ['--offline', '--models.offline'],
  ] as const)
    assert.match(e.text(), new RegExp(`warning: ${flag} is deprecated; use ${key.replace('.', '\\.')}\n`));
  const help = addEmbeddingFlags(new Command('t')).helpInformation();
  assert.doesNotMatch(help, /--cache |--models-dir|--workers /, 'the old names are not offered');
  assert.match(help, /--model\.workers <value> +.*\(default: 2\)/s, 'help shows the default train uses');
});
