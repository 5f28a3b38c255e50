// Synthetic scenes as training-only rows: never in a test fold or a score, embedded beside the data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../../core/errors/index.js';
import { encodeScene, generateScene } from '../../data/procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { type AugmentLevel } from '../../validation/validator/index.js';
import { openEmbeddingCache } from './_cache.js';
import { groupFamily, type ViewRow } from './_dataset.js';
import { crossValidate, type TrainConfig } from './_pipeline.js';
import { embeddedRows, trainHead } from './index.js';
import { gridEmbeddingOptions } from './_test-grid-embedder.js';

const CONFIG: TrainConfig = {
  model: 'logistic',
  l2: 0.1,
  hidden: 8,
  folds: 4,
  seed: 'syn',
  tta: true,
  trainOnFlips: true,
  targetAccuracy: 0.9,
  maxIter: 100,
};

/** Rows whose label shows in feature 0 (noisily); feature 1 is noise the synthetic rows make look useful. */
function realRows(n: number): ViewRow[] {
  const rng = createRng('real-rows');
  return Array.from({ length: n }, (_, image) => {
    const label: 0 | 1 = image % 2 === 0 ? 1 : 0;
    const x = () => Float32Array.of(rng.normal(label ? 1 : -1, 1.5), rng.normal(), rng.normal());
    const group = `${image % 3 === 0 ? 'kitti' : 'mi3-'}${image % 12}`;
    return { image, group, label, level: (image % 4) as AugmentLevel, x: x(), xh: x() };
  });
}

/** Synthetic rows whose label shows in feature 1 only. */
function syntheticRows(n: number): ViewRow[] {
  const rng = createRng('synthetic-rows');
  return Array.from({ length: n }, (_, image) => {
    const label: 0 | 1 = image % 2 === 0 ? 1 : 0;
    const x = () => Float32Array.of(rng.normal(), rng.normal(label ? 2 : -2, 0.5), rng.normal());
    return { image, group: 'synth', label, level: 0, x: x(), xh: x() };
  });
}

test('crossValidate() trains every fold on the synthetic rows and tests none of them', async () => {
  const rows = realRows(240);
  const synthetic = syntheticRows(120);
  const mine = new Set(synthetic);
  const tested: ViewRow[] = [];
  const withSyn = await crossValidate(
    rows,
    { ...CONFIG, synthetic: { rows: synthetic, weight: 1 } },
    {
      onFold: (_f, test) => {
        for (const r of test) assert.ok(!mine.has(r), 'a synthetic row is in a test fold');
        tested.push(...test);
      },
    },
  );
  assert.equal(withSyn.logits.length, rows.length);
  assert.deepEqual(new Set(tested), new Set(rows));
  assert.equal(tested.length, rows.length);
  // The synthetic rows did reach the fits: they moved the out-of-fold logits...
  const without = await crossValidate(rows, CONFIG);
  assert.deepEqual(without.fold, withSyn.fold);
  const moved = withSyn.logits.reduce((s, z, i) => s + Math.abs(z - without.logits[i]!), 0) / rows.length;
  assert.ok(moved > 0.05, `mean logit change ${moved}`);
  // ...in proportion to their weight: a tiny weight is close to no synthetic rows at all.
  const faint = await crossValidate(rows, { ...CONFIG, synthetic: { rows: synthetic, weight: 1e-6 } });
  const left = faint.logits.reduce((s, z, i) => s + Math.abs(z - without.logits[i]!), 0) / rows.length;
  assert.ok(left < moved / 100, `mean logit change at weight 1e-6: ${left} (weight 1: ${moved})`);
});

test('trainHead() scores, calibrates and sweeps real rows only and reports the synthetic count', async () => {
  const rows = realRows(240);
  const synthetic = syntheticRows(120);
  for (const model of ['logistic', 'mlp'] as const) {
    const options = { ...CONFIG, model, l2: [0.1], log: () => undefined };
    const plain = await trainHead(rows, 'v', options);
    const result = await trainHead(rows, 'v', { ...options, synthetic: { rows: synthetic, weight: 2 } });
    const r = result.report;
    assert.deepEqual(r.synthetic, { images: 120, views: 120, weight: 2 });
    assert.deepEqual(plain.report.synthetic, { images: 0, views: 0, weight: 1 });
    assert.equal(r.overall.n, rows.length);
    assert.equal(r.overall.positives, rows.filter((x) => x.label === 1).length);
    assert.equal(r.sweep.at(-1)!.exits, rows.length);
    assert.deepEqual(Object.keys(r.families), [...new Set(rows.map((x) => groupFamily(x.group)))].sort());
    assert.equal(
      Object.values(r.levels).reduce((s, l) => s + l.n, 0),
      rows.length,
    );
    assert.deepEqual(result.head.metrics?.synthetic, { images: 120, weight: 2 });
    assert.match(String(result.head.metrics?.protocol), /plus 120 synthetic scenes in training only/);
    assert.equal(plain.head.metrics?.synthetic, undefined);
    assert.notDeepEqual(result.head.layers, plain.head.layers);
  }
});

/**
 * Six groups whose real rows carry no signal but a one-hot column of their group; each image has
 * three extra views labelled by its group's parity. Only a fit that sees a group's own extra views
 * can learn that group's column, so a held-out group's logits show whether they leaked.
 */
function groupMarkedRows(): { rows: ViewRow[]; extra: ViewRow[] } {
  const rng = createRng('marked');
  const rows: ViewRow[] = [];
  const extra: ViewRow[] = [];
  const x = (g: number) => {
    const v = new Float32Array(7);
    v[0] = rng.normal();
    v[1 + g] = 1;
    return v;
  };
  for (let image = 0; image < 120; image++) {
    const g = image % 6;
    const base = { image, group: `mi3-g${g}`, level: (image % 4) as AugmentLevel };
    rows.push({ ...base, label: image % 12 < 6 ? 1 : 0, x: x(g), xh: x(g) });
    for (let k = 0; k < 3; k++) extra.push({ ...base, label: g % 2 === 0 ? 1 : 0, x: x(g), xh: x(g) });
  }
  return { rows, extra };
}

test('crossValidate() fits on the extra views of training groups only, and scores none of them', async () => {
  const { rows, extra } = groupMarkedRows();
  const config = { ...CONFIG, folds: 6, l2: 0.01 };
  const extraSet = new Set(extra);
  const tested: ViewRow[] = [];
  const { logits: z } = await crossValidate(
    rows,
    { ...config, extraViews: extra },
    {
      onFold: (_f, test) => {
        for (const r of test) assert.ok(!extraSet.has(r), 'an extra view was scored');
        tested.push(...test);
      },
    },
  );
  assert.equal(tested.length, rows.length);
  const gap = (logits: Float64Array) => {
    const mean = (even: boolean) => {
      const v = rows.flatMap((r, i) => ((Number(r.group.at(-1)) % 2 === 0) === even ? [logits[i]!] : []));
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    return mean(true) - mean(false);
  };
  // A held-out group's column was never set in its fold's training rows: no pull towards its parity.
  assert.ok(Math.abs(gap(z)) < 0.2, `held-out parity gap ${gap(z)}`);
  // The same rows trained in every fold (the synthetic path) do leak, so the check has teeth.
  const leaky = (await crossValidate(rows, { ...config, synthetic: { rows: extra, weight: 1 } })).logits;
  assert.ok(gap(leaky) > 2, `leaky parity gap ${gap(leaky)}`);
  // And the extra views do reach the fits of their own groups (the final head learns every column).
  const result = await trainHead(rows, 'v', {
    ...config,
    l2: [0.01],
    log: () => undefined,
    extraViews: extra,
  });
  const w = result.head.layers[0]!.weights[0]!;
  for (let g = 0; g < 6; g++)
    assert.ok((g % 2 === 0 ? w[1 + g]! : -w[1 + g]!) > 0.5, `column ${g}: ${w[1 + g]}`);
  assert.equal(result.report.overall.n, rows.length);
  assert.match(String(result.head.metrics?.protocol), /plus 360 training-only views of the same images/);
});

async function sceneFolder(dir: string, extra: readonly string[] = []): Promise<void> {
  const lines = ['file,label,group'];
  for (let i = 0; i < 8; i++) {
    const s = generateScene(createRng(`folder-${i}`), { roadwork: i % 2 === 0, width: 240, height: 224 });
    const file = `img${i}.jpg`;
    await writeFile(join(dir, file), await encodeScene(s.rgb, s.width, s.height));
    lines.push(`${file},${i % 2 === 0 ? 1 : 0},g${i % 4}`);
  }
  await writeFile(join(dir, 'manifest.csv'), `${[...lines, ...extra].join('\n')}\n`);
}

test(
  'embeddedRows() embeds the synthetic scenes through the same views into the same cache, under their own keys',
  { timeout: 120_000 },
  async () => {
    const root = await mkdtemp(join(tmpdir(), 'train-syn-'));
    try {
      const data = join(root, 'data');
      await mkdir(data);
      await sceneFolder(data);
      const options = await gridEmbeddingOptions(root, data, { protocol: '2.0.4', perLevel: [1, 0, 1, 0] });
      const withSyn = await embeddedRows({ ...options, synthetic: 6 });
      assert.equal(withSyn.rows.length, 8 * 2);
      assert.equal(withSyn.synthetic.length, 6 * 2);
      assert.deepEqual(
        withSyn.synthetic.map((r) => [r.image, r.label, r.level, r.group]),
        [0, 1, 2, 3, 4, 5].flatMap((i) => [0, 2].map((level) => [i, i % 2 === 0 ? 1 : 0, level, 'synth'])),
      );
      assert.ok(withSyn.synthetic.every((r) => r.x.length === 48 && r.xh?.length === 48));
      const cache = await openEmbeddingCache(options.cacheDir, { version: withSyn.version, dims: 48 });
      // (8 real + 6 synthetic images) × 2 views × (view + mirror), every key once.
      assert.equal(cache.size, 14 * 2 * 2);
      assert.ok(cache.has('synth:s:5#s:L2:0:h'));
      await cache.close();

      const plain = await embeddedRows({ ...options, synthetic: 0 });
      assert.deepEqual(plain.synthetic, []);
      assert.deepEqual(plain.extra, []);
      assert.deepEqual(plain.rows, withSyn.rows);

      // Training-only views come after the scored ones at their level and leave the scored rows alone.
      const more = await embeddedRows({ ...options, trainViews: [0, 2, 1, 0] });
      assert.deepEqual(more.rows, plain.rows);
      assert.deepEqual(
        more.extra.map((r) => [r.image, r.level]),
        [...Array(8).keys()].flatMap((i) => [1, 1, 2].map((level) => [i, level])),
      );
      const grown = await openEmbeddingCache(options.cacheDir, { version: more.version, dims: 48 });
      assert.equal(grown.size, 14 * 2 * 2 + 8 * 3 * 2);
      assert.ok(grown.has('img3.jpg#s:L1:1:h') && grown.has('img3.jpg#s:L2:1'));
      await grown.close();
      assert.notDeepEqual(more.extra[2]!.x, more.rows[1]!.x);

      // Pasted views (--paste-views): the roadwork-free images only (odd i), labelled roadwork, in
      // their image's group, after the training-only views; copy k at level k mod 4.
      const pasted = await embeddedRows({ ...options, trainViews: [0, 2, 1, 0], pasteViews: 2 });
      assert.deepEqual(pasted.rows, plain.rows);
      assert.deepEqual(pasted.extra.slice(0, more.extra.length), more.extra);
      const groupOf = (image: number) => plain.rows.find((r) => r.image === image)!.group;
      assert.deepEqual(
        pasted.extra.slice(more.extra.length).map((r) => [r.image, r.label, r.level, r.group]),
        [1, 3, 5, 7].flatMap((i) => [0, 1].map((level) => [i, 1, level, groupOf(i)])),
      );
      const withPaste = await openEmbeddingCache(options.cacheDir, { version: pasted.version, dims: 48 });
      assert.ok(withPaste.has('img3.jpg#s:L1:1:h:paste') && withPaste.has('img3.jpg#s:L0:0:paste'));
      assert.ok(!withPaste.has('img0.jpg#s:L0:0:paste'), 'a roadwork image gets no pasted copy');
      await withPaste.close();
      const pastedAt0 = pasted.extra.find((r) => r.image === 3 && r.level === 0 && r.label === 1)!;
      assert.notDeepEqual(pastedAt0.x, plain.rows.find((r) => r.image === 3 && r.level === 0)!.x);
      // Look-alikes (--paste-decoys) come after the work zones and keep their image's label.
      const decoyed = await embeddedRows({
        ...options,
        trainViews: [0, 2, 1, 0],
        pasteViews: 2,
        pasteDecoys: 1,
      });
      assert.deepEqual(decoyed.extra.slice(0, pasted.extra.length), pasted.extra);
      assert.deepEqual(
        decoyed.extra.slice(pasted.extra.length).map((r) => [r.image, r.label, r.level]),
        [1, 3, 5, 7].map((i) => [i, 0, 0]),
      );

      // A backbone list with an unknown runtime fails before the first backbone embeds anything.
      const fresh = join(root, 'fresh-cache');
      await assert.rejects(
        embeddedRows({
          ...options,
          cacheDir: fresh,
          embedders: [...options.embedders, { runtime: 'nope', model: 'x' }],
        }),
        (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /Unknown runtime: "nope"/.test(err.message),
      );
      assert.equal(existsSync(fresh), false);

      // A real file that takes a synthetic scene's id would share its cached embeddings: refused.
      await writeFile(join(data, 'synth:s:1'), await encodeScene(new Uint8Array(224 * 224 * 3), 224, 224));
      await sceneFolder(data, ['synth:s:1,0,g9']);
      await assert.rejects(
        embeddedRows({ ...options, synthetic: 2 }),
        (err) => isRoadworkError(err, 'ERR_DATASET_INVALID') && /synth:s:1/.test(err.message),
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
);
