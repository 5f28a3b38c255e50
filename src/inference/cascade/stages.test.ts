// Each stage kind through real ONNX models in real workers: exits, TTA, micro-batching, detector agreement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../runtimes/index.js';
import { createOnnxSession, toModelInput } from '../runtimes/onnx/index.js';
import { solidImage, splitImage } from '../../../test/fixtures/onnx-models.js';
import { createCascadePredictor, parseCascadeConfig, type CascadeStageResult } from './index.js';
import { logisticHead, modelFolder, RAW16, runtimeContext, silent } from './_test-support.js';

const BASELINE = fileURLToPath(new URL('../../../models/baseline/model.onnx', import.meta.url));
const soon = () => ({ deadlineMs: Date.now() + 10_000 });
const stagesOf = (p: { stages?: readonly unknown[] }) => (p.stages ?? []) as CascadeStageResult[];

async function cascadeOf(raw: object, dir: string) {
  const cascade = createCascadePredictor(parseCascadeConfig(raw, { baseDir: dir }), {
    runtime: runtimeContext,
    logger: silent,
  });
  await cascade.start();
  return cascade;
}

test(
  'a classifier stage on the bundled baseline answers exactly what the model file computes',
  { timeout: 60_000 },
  async () => {
    const image = splitImage(224, [230, 120, 20], [90, 90, 90]);
    const cascade = await cascadeOf({ stages: [{ kind: 'classifier', model: BASELINE }] }, '.');
    // The file run on this thread with its sidecar's normalisation (raw pixels in [0, 1]).
    const direct = await createOnnxSession(BASELINE);
    try {
      const a = await cascade.predict(image, soon());
      const input = toModelInput(image.data, 224, 224, 224, { mean: [0, 0, 0], std: [1, 1, 1] });
      const [b] = await direct.run(input, [1, 3, 224, 224]);
      assert.ok(Math.abs(a.probability - b!) < 1e-9, `${a.probability} vs ${b}`);
      assert.match(a.modelVersion, /^cascade:[0-9a-f]{12}$/);
      assert.deepEqual(
        stagesOf(a).map((s) => [s.stage, s.kind]),
        [['classifier-0', 'classifier']],
      );
      assert.equal(cascade.status().ready, true);
    } finally {
      await Promise.all([cascade.close(), direct.release()]);
    }
  },
);

test(
  'a backbone-head stage exits on confident answers and hands uncertain ones to the next stage',
  { timeout: 60_000 },
  async () => {
    const { dir, remove } = await modelFolder();
    const cascade = await cascadeOf(
      {
        stages: [
          {
            name: 'backbone',
            kind: 'backbone-head',
            embedder: { model: 'mean.onnx', options: RAW16 },
            head: 'red.json',
          },
          { name: 'objects', kind: 'detector', detectors: [{ model: 'four.onnx', options: { size: 16 } }] },
        ],
      },
      dir,
    );
    try {
      const red = await cascade.predict(solidImage(16, [255, 0, 0]), soon());
      // logit 8·1 − 4 = 4 → σ(4) = 0.98201 ≥ 0.88: the detector never runs.
      assert.ok(Math.abs(red.probability - 0.9820138) < 1e-5, String(red.probability));
      assert.deepEqual(
        stagesOf(red).map((s) => [s.stage, s.exit]),
        [['backbone', 'positive']],
      );
      const blue = await cascade.predict(solidImage(16, [0, 0, 255]), soon());
      assert.deepEqual(
        stagesOf(blue).map((s) => [s.stage, s.exit]),
        [['backbone', 'negative']],
      );
      assert.ok(Math.abs(blue.probability - 0.0179862) < 1e-5);
      // R = 128/255: logit ≈ 0.016, no exit; the detector sees no red cones (score −0.5 + 0.5 < 0.25), only a person.
      const mid = await cascade.predict(solidImage(16, [128, 0, 0]), soon());
      const [b, d] = stagesOf(mid);
      assert.equal(b!.exit, undefined);
      assert.equal(d!.stage, 'objects');
      assert.equal(d!.exit, 'negative');
      assert.deepEqual(d!.detail!.totals, [0]);
      // Fusion of both: σ(logit(p_b) + logit(σ(−2))).
      const expected = 1 / (1 + Math.exp(-(8 * (128 / 255) - 4 - 2)));
      assert.ok(Math.abs(mid.probability - expected) < 1e-5, `${mid.probability} vs ${expected}`);
    } finally {
      await cascade.close();
      await remove();
    }
  },
);

test(
  'TTA embeds every view and averages the logits (a flip-sensitive head shows the mean)',
  { timeout: 60_000 },
  async () => {
    const { dir, remove } = await modelFolder();
    const stage = {
      kind: 'backbone-head',
      embedder: { model: 'halves.onnx', options: RAW16 },
      head: 'left-red.json',
      exit: false,
    };
    const withTta = await cascadeOf({ tta: ['identity', 'hflip', 'vflip'], stages: [stage] }, dir);
    const without = await cascadeOf({ stages: [stage] }, dir);
    try {
      const image = splitImage(16, [255, 0, 0], [0, 0, 255]);
      // identity 4·1 − 1 = 3, hflip 4·0 − 1 = −1, vflip 3: mean 5/3.
      const a = await withTta.predict(image, soon());
      const b = await without.predict(image, soon());
      assert.ok(Math.abs(a.probability - 1 / (1 + Math.exp(-5 / 3))) < 1e-5, String(a.probability));
      assert.ok(Math.abs(b.probability - 1 / (1 + Math.exp(-3))) < 1e-5, String(b.probability));
      assert.equal(stagesOf(a)[0]!.detail!.views, 3);
    } finally {
      await Promise.all([withTta.close(), without.close()]);
      await remove();
    }
  },
);

test(
  'a stage with a list of heads answers the mean of their calibrated logits per view, then TTA',
  { timeout: 60_000 },
  async () => {
    const { dir, remove } = await modelFolder();
    // A second head on the halves' 6 dims (R left, R right, G left, G right, …), calibrated:
    // (6·G_right − 2) / 2 + 0.5.
    const green = { ...(logisticHead([0, 0, 0, 6, 0, 0], -2) as object), temperature: 2, shift: 0.5 };
    await writeFile(join(dir, 'right-green.json'), JSON.stringify(green));
    const stage = (head: unknown) => ({
      kind: 'backbone-head',
      embedder: { model: 'halves.onnx', options: RAW16 },
      head,
      exit: false,
    });
    const both = await cascadeOf(
      { tta: ['identity', 'hflip'], stages: [stage(['left-red.json', 'right-green.json'])] },
      dir,
    );
    try {
      const image = splitImage(16, [255, 0, 0], [0, 255, 0]);
      // identity: red 4·1 − 1 = 3, green (6·1 − 2)/2 + 0.5 = 2.5 → 2.75; hflip: red −1, green −0.5 → −0.75.
      const a = await both.predict(image, soon());
      const [s] = stagesOf(a);
      assert.deepEqual(s!.detail!.logits, [2.75, -0.75]);
      assert.ok(Math.abs(a.probability - 1 / (1 + Math.exp(-1))) < 1e-6, String(a.probability));
      // A list holds at least two heads; every head must fit the embedder, and the error names the one that does not.
      assert.throws(
        () => parseCascadeConfig({ stages: [stage(['left-red.json'])] }, { baseDir: dir }),
        /stages\[0\]\.head must be one file, or a list of at least two: \["left-red\.json"\]/,
      );
      assert.throws(
        () => parseCascadeConfig({ stages: [stage(['left-red.json', 7])] }, { baseDir: dir }),
        /stages\[0\]\.head\[1\] must be a non-empty string: 7/,
      );
      const misfit = createCascadePredictor(
        parseCascadeConfig({ stages: [stage(['left-red.json', 'red.json'])] }, { baseDir: dir }),
        { runtime: runtimeContext, logger: silent },
      );
      await assert.rejects(
        misfit.start(),
        /Head .*red\.json was trained on another embedder: expects 3 dims, any, got 6 dims/,
      );
    } finally {
      await both.close();
      await remove();
    }
  },
);

test(
  'with several embedders, a head trained on one of them reads its columns, beside heads on all of them',
  { timeout: 60_000 },
  async () => {
    const { dir, remove } = await modelFolder();
    const refs = ['mean.onnx', 'halves.onnx'].map((m) => ({
      runtime: 'onnx',
      model: join(dir, m),
      options: RAW16,
    }));
    // Each embedder's version as training writes it into a head.
    const parts = await Promise.all(refs.map((r) => loadModel('embedder', r, runtimeContext)));
    const [mean, halves] = parts.map((p) => p.version);
    await Promise.all(parts.map((p) => p.close()));
    const heads = {
      // On mean.onnx alone: 8·R − 4.
      'mean-red.json': { ...(logisticHead([8, 0, 0], -4) as object), embedder: mean },
      // On halves.onnx alone (R left, R right, G left, G right, …): 6·R_left − 2.
      'halves-red.json': { ...(logisticHead([6, 0, 0, 0, 0, 0], -2) as object), embedder: halves },
      // On both, the 9 columns side by side, naming no embedder: 2·G_right of the halves.
      'both.json': logisticHead([0, 0, 0, 0, 0, 0, 2, 0, 0], 0),
      // Wrong: mean.onnx's version with halves.onnx's width.
      'mean-6.json': { ...(logisticHead([1, 0, 0, 0, 0, 0], 0) as object), embedder: mean },
    };
    await Promise.all(Object.entries(heads).map(([f, h]) => writeFile(join(dir, f), JSON.stringify(h))));
    const stage = (head: string[]) => ({ kind: 'backbone-head', embedder: refs, head, exit: false });
    const cascade = await cascadeOf(
      { stages: [stage(['mean-red.json', 'halves-red.json', 'both.json'])] },
      dir,
    );
    try {
      // Left red, right green: mean [0.5, 0.5, 0] → 0; R left 1 → 4 (mean.onnx's R, read in its
      // place, would give 1); both → 2; the mean of the three, 2.
      const a = await cascade.predict(splitImage(16, [255, 0, 0], [0, 255, 0]), soon());
      const logits = stagesOf(a)[0]!.detail!.logits as number[];
      assert.equal(logits.length, 1);
      assert.ok(Math.abs(logits[0]! - 2) < 1e-5, String(logits));
      // A head fits the whole embedding or one part; one that names no embedder fits only the whole.
      for (const [file, want] of [
        ['red.json', /red\.json was trained on another embedder: expects 3 dims, any, got 9 dims, .+ \+\+ /],
        ['mean-6.json', /mean-6\.json was trained on another embedder: expects 6 dims, onnx/],
      ] as const) {
        const misfit = createCascadePredictor(
          parseCascadeConfig({ stages: [stage(['mean-red.json', file])] }, { baseDir: dir }),
          { runtime: runtimeContext, logger: silent },
        );
        await assert.rejects(misfit.start(), want);
      }
    } finally {
      await cascade.close();
      await remove();
    }
  },
);

test(
  'concurrent requests land in one backbone batch; with batching off each runs alone',
  { timeout: 60_000 },
  async () => {
    const { dir, remove } = await modelFolder();
    const stage = (batch: unknown) => ({
      kind: 'backbone-head',
      embedder: { model: 'mean.onnx', options: RAW16 },
      head: 'red.json',
      batch,
    });
    const on = await cascadeOf({ stages: [stage({ max: 16, wait_ms: 100 })] }, dir);
    const off = await cascadeOf({ stages: [stage(false)] }, dir);
    try {
      const images = Array.from({ length: 6 }, (_, i) => solidImage(16, [i * 40, 0, 0]));
      const batched = await Promise.all(images.map((im) => on.predict(im, soon())));
      assert.deepEqual(
        batched.map((p) => stagesOf(p)[0]!.detail!.batch),
        [6, 6, 6, 6, 6, 6],
      );
      const single = await Promise.all(images.map((im) => off.predict(im, soon())));
      assert.deepEqual(
        single.map((p) => stagesOf(p)[0]!.detail!.batch),
        [1, 1, 1, 1, 1, 1],
      );
      // Same answers either way, each its own image's.
      batched.forEach((p, i) => assert.ok(Math.abs(p.probability - single[i]!.probability) < 1e-6));
      assert.ok(batched[5]!.probability > batched[0]!.probability);
    } finally {
      await Promise.all([on.close(), off.close()]);
      await remove();
    }
  },
);

test(
  'two detectors follow the agreement rule: both none → negative, both ≥3 → positive, else go on',
  { timeout: 60_000 },
  async () => {
    const { dir, remove } = await modelFolder();
    const det = (files: string[]) => ({
      kind: 'detector',
      detectors: files.map((model) => ({ model, options: { size: 16 } })),
      map: { bias: -2, slope: 1 },
    });
    const both = await cascadeOf({ stages: [det(['four.onnx', 'four.onnx'])] }, dir);
    const split = await cascadeOf({ stages: [det(['four.onnx', 'two.onnx'])] }, dir);
    try {
      const red = solidImage(16, [255, 0, 0]);
      const positive = stagesOf(await both.predict(red, soon()))[0]!;
      assert.deepEqual([positive.exit, positive.detail!.totals], ['positive', [4, 4]]);
      assert.ok(Math.abs(positive.probability! - 1 / (1 + Math.exp(-2))) < 1e-9, 'σ(−2 + 4)');
      const negative = stagesOf(await both.predict(solidImage(16, [0, 0, 0]), soon()))[0]!;
      assert.deepEqual([negative.exit, negative.detail!.totals], ['negative', [0, 0]]);
      const unsure = stagesOf(await split.predict(red, soon()))[0]!;
      assert.deepEqual([unsure.exit, unsure.detail!.totals], [undefined, [4, 2]]);
      assert.deepEqual(unsure.detail!.counts, [{ cone: 4 }, { cone: 2 }], 'the person is no roadwork object');
    } finally {
      await Promise.all([both.close(), split.close()]);
      await remove();
    }
  },
);

test('a head trained on another embedder refuses to start', { timeout: 60_000 }, async () => {
  const { dir, remove } = await modelFolder();
  try {
    const config = parseCascadeConfig(
      {
        stages: [
          {
            kind: 'backbone-head',
            embedder: { model: 'halves.onnx', options: RAW16 },
            head: join(dir, 'red.json'),
          },
        ],
      },
      { baseDir: dir },
    );
    const cascade = createCascadePredictor(config, { runtime: runtimeContext, logger: silent });
    await assert.rejects(cascade.start(), /expects 3 dims, any, got 6 dims/);
  } finally {
    await remove();
  }
});
