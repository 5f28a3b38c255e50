// The onnx runtime through real onnxruntime-node workers: embeddings, pooling, YOLO decoding and NMS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../../../core/errors/index.js';
import { loadModel } from '../index.js';
import {
  poolEmbedderModel,
  solidImage,
  splitImage,
  yoloFixtureModel,
} from '../../../../test/fixtures/onnx-models.js';
import { decodeYolo } from './index.js';
import { testContext, withDir } from '../_test-context.js';

const ctx = testContext(1, { cacheDir: tmpdir() });
const soon = () => ({ deadlineMs: Date.now() + 10_000 });

/** The 2×1-cell channel-mean embedder on 16² inputs, raw pixels (mean 0, std 1). */
async function gridEmbedder(dir: string) {
  const file = join(dir, 'grid.onnx');
  await writeFile(file, poolEmbedderModel({ size: 16, cols: 2 }));
  return loadModel(
    'embedder',
    { runtime: 'onnx', model: file, options: { size: 16, mean: [0, 0, 0], std: [1, 1, 1] } },
    ctx,
  );
}

test('an onnx embedder returns per-cell channel means for a batch, in order', { timeout: 30_000 }, () =>
  withDir(async (dir) => {
    const embedder = await gridEmbedder(dir);
    try {
      assert.equal(embedder.dims, 6);
      const [a, b] = await embedder.embed(
        [splitImage(16, [255, 0, 0], [0, 0, 255]), solidImage(16, [0, 255, 0])],
        soon(),
      );
      // NCHW flatten: R(left,right), G(left,right), B(left,right).
      assert.deepEqual(
        Array.from(a!).map((v) => Math.round(v * 100) / 100),
        [1, 0, 0, 0, 0, 1],
      );
      assert.deepEqual(
        Array.from(b!).map((v) => Math.round(v * 100) / 100),
        [0, 0, 1, 1, 0, 0],
      );
      assert.match(embedder.version, /^onnx:[0-9a-f]{12}$/);
    } finally {
      await embedder.close();
    }
  }),
);

test(
  'concurrent batches of different sizes on one pipelined worker each get their own embeddings',
  { timeout: 30_000 },
  () =>
    withDir(async (dir) => {
      const embedder = await gridEmbedder(dir);
      const split = splitImage(16, [255, 0, 0], [0, 0, 255]);
      const green = solidImage(16, [0, 255, 0]);
      const red = solidImage(16, [255, 0, 0]);
      const expected = new Map([
        [split, [1, 0, 0, 0, 0, 1]],
        [green, [0, 0, 1, 1, 0, 0]],
        [red, [1, 1, 0, 0, 0, 0]],
      ]);
      try {
        // The worker reuses one input buffer: a smaller batch after a larger one must not see stale rows.
        const batches = [[split, green, red], [green], [red, split], [split, green, red, green], [red]];
        const answers = await Promise.all(batches.map((images) => embedder.embed(images, soon())));
        answers.forEach((vectors, b) =>
          assert.deepEqual(
            vectors.map((v) => Array.from(v).map((x) => Math.round(x * 100) / 100)),
            batches[b]!.map((image) => expected.get(image)),
            `batch ${b}`,
          ),
        );
        assert.deepEqual(
          split.data.slice(0, 3),
          Uint8Array.from([255, 0, 0]),
          "the caller's image is intact",
        );
      } finally {
        await embedder.close();
      }
    }),
);

test(
  'an onnx embedder mean-pools [N, T, D] token outputs, or takes the first token with pool cls',
  { timeout: 30_000 },
  () =>
    withDir(async (dir) => {
      const file = join(dir, 'tokens.onnx');
      await writeFile(file, poolEmbedderModel({ size: 16, cols: 2, tokens: true }));
      const image = splitImage(16, [255, 0, 0], [0, 0, 255]);
      const opts = { size: 16, mean: [0, 0, 0], std: [1, 1, 1] };
      const mean = await loadModel('embedder', { runtime: 'onnx', model: file, options: opts }, ctx);
      const cls = await loadModel(
        'embedder',
        { runtime: 'onnx', model: file, options: { ...opts, pool: 'cls' } },
        ctx,
      );
      try {
        assert.equal(mean.dims, 3);
        const [m] = await mean.embed([image], soon());
        const [c] = await cls.embed([image], soon());
        assert.deepEqual(
          Array.from(m!).map((v) => Math.round(v * 100) / 100),
          [0.5, 0, 0.5],
        );
        assert.deepEqual(
          Array.from(c!).map((v) => Math.round(v * 100) / 100),
          [1, 0, 0],
        );
        assert.notEqual(mean.version, cls.version);
      } finally {
        await Promise.all([mean.close(), cls.close()]);
      }
    }),
);

test(
  'an onnx detector decodes v8 and v5 outputs, thresholds, applies class-wise NMS and rescales boxes',
  { timeout: 30_000 },
  () =>
    withDir(async (dir) => {
      const anchors = [
        { box: [8, 8, 4, 4] as const, cls: 0, bias: 0.9 },
        { box: [8.5, 8, 4, 4] as const, cls: 0, bias: 0.8 }, // overlaps the first: suppressed
        { box: [8.5, 8, 4, 4] as const, cls: 1, bias: 0.7 }, // same place, other class: kept
        { box: [2, 2, 2, 2] as const, cls: 1, bias: 0, red: 0.6 }, // fires only on red images
      ];
      for (const layout of ['v8', 'v5'] as const) {
        const file = join(dir, `yolo-${layout}.onnx`);
        await writeFile(
          file,
          yoloFixtureModel({ size: 16, layout, classes: 2, anchors, names: ['cone', 'worker'] }),
        );
        const detector = await loadModel(
          'detector',
          { runtime: 'onnx', model: file, options: { size: 16, confidence: 0.5 } },
          ctx,
        );
        try {
          assert.deepEqual(detector.labels, ['cone', 'worker']);
          const grey = await detector.detect(solidImage(32, [0, 0, 0]), soon());
          assert.deepEqual(
            grey.map((d) => d.label),
            ['cone', 'worker'],
            layout,
          );
          assert.deepEqual(grey[0]!.box, [12, 12, 20, 20], 'boxes are in input pixels (×2)');
          const red = await detector.detect(solidImage(32, [255, 0, 0]), soon());
          assert.deepEqual(red.map((d) => d.label).sort(), ['cone', 'worker', 'worker'], layout);
        } finally {
          await detector.close();
        }
      }
    }),
);

test(
  'loading fails with a coded error for a missing file, an unknown option and a detector without labels',
  { timeout: 30_000 },
  () =>
    withDir(async (dir) => {
      const file = join(dir, 'y.onnx');
      await writeFile(
        file,
        yoloFixtureModel({
          size: 16,
          layout: 'v8',
          classes: 1,
          anchors: [{ box: [1, 1, 1, 1], cls: 0, bias: 1 }],
        }),
      );
      await assert.rejects(
        loadModel('embedder', { runtime: 'onnx', model: join(dir, 'none.onnx') }, ctx),
        (e) => isRoadworkError(e, 'ERR_MODEL_LOAD'),
      );
      await assert.rejects(
        loadModel('embedder', { runtime: 'onnx', model: file, options: { sise: 3 } }, ctx),
        /valid options are size/,
      );
      await assert.rejects(
        loadModel('detector', { runtime: 'onnx', model: file, options: { size: 16 } }, ctx),
        /no class names/,
      );
    }),
);

test('decodeYolo() keeps the best box of overlapping same-class boxes and respects maxDetections', () => {
  // v8, C=1, A=3: rows cx, cy, w, h, score.
  const out = Float32Array.from([10, 11, 50, 10, 10, 50, 4, 4, 4, 4, 4, 4, 0.6, 0.9, 0.8]);
  const base = {
    layout: 'v8' as const,
    labels: ['cone'],
    confidence: 0.5,
    iou: 0.5,
    scaleX: 1,
    scaleY: 1,
    width: 100,
    height: 100,
  };
  const all = decodeYolo(out, { ...base, maxDetections: 10 });
  assert.deepEqual(
    all.map((d) => Math.round(d.score * 100) / 100),
    [0.9, 0.8],
  );
  assert.equal(decodeYolo(out, { ...base, maxDetections: 1 }).length, 1);
});
