// The tfjs detector on the real COCO CenterNet shipped in @vladmandic/human, in real worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeImage, type RgbImage } from '../../image/index.js';
import { generateScene } from '../../../data/procedural/index.js';
import { createRng } from '../../../core/random/index.js';
import { testContext, withDir } from '../_test-context.js';
import { loadModel } from '../index.js';
import type { Detection } from '../types.js';
import { COCO_LABELS, loadTfjsDetector, tfjsDetectorSpec } from './index.js';

const require = createRequire(import.meta.url);
const soon = () => ({ deadlineMs: Date.now() + 60_000 });
const ref = { runtime: 'tfjs', model: 'builtin:centernet' } as const;

const context = (workers: number) => testContext(workers);

/** A real photo that installs with the package: human's collage of people (1280×1158). */
async function photo(): Promise<RgbImage> {
  const file = join(dirname(require.resolve('@vladmandic/human')), '..', 'assets', 'samples.jpg');
  return decodeImage(await readFile(file));
}

/** A `w`×`h` window of `img` at (`x`, `y`). */
function crop(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let r = 0; r < h; r++) {
    data.set(img.data.subarray(((y + r) * img.width + x) * 3, ((y + r) * img.width + x + w) * 3), r * w * 3);
  }
  return { width: w, height: h, data };
}

/** Every column twice: `w` → `2w` wide, so a half-pixel bilinear resize back gives the same pixels. */
function doubleWidth(img: RgbImage): RgbImage {
  const data = new Uint8Array(img.width * 2 * img.height * 3);
  for (let p = 0; p < img.width * img.height; p++) {
    const rgb = img.data.subarray(p * 3, p * 3 + 3);
    data.set(rgb, p * 6);
    data.set(rgb, p * 6 + 3);
  }
  return { width: img.width * 2, height: img.height, data };
}

function assertWellFormed(found: readonly Detection[], img: RgbImage, minScore: number): void {
  for (const d of found) {
    assert.ok(COCO_LABELS.includes(d.label), d.label);
    assert.ok(d.score >= minScore && d.score <= 1, String(d.score));
    const [x1, y1, x2, y2] = d.box;
    assert.ok(d.box.every(Number.isFinite), JSON.stringify(d.box));
    assert.ok(0 <= x1 && x1 <= x2 && x2 <= img.width, `x ${x1}..${x2} of ${img.width}`);
    assert.ok(0 <= y1 && y1 <= y2 && y2 <= img.height, `y ${y1}..${y2} of ${img.height}`);
  }
  for (let i = 1; i < found.length; i++) assert.ok(found[i - 1]!.score >= found[i]!.score);
}

test(
  'builtin:centernet finds people in a real photo: COCO names, boxes inside the image, deterministic',
  { timeout: 120_000 },
  async () => {
    const img = await photo();
    const detector = await loadTfjsDetector(ref, context(2));
    try {
      assert.equal(detector.labels.length, 80);
      assert.match(detector.version, /^tfjs:human-3\.3\.6-centernet:512:[0-9a-f]{12}:0\.25,0\.45,100$/);
      // Two at once: each worker answers one, and both must match a later run exactly.
      const [a, b] = await Promise.all([detector.detect(img, soon()), detector.detect(img, soon())]);
      const again = await detector.detect(img, soon());
      assert.deepEqual(a, b);
      assert.deepEqual(again, a);
      assert.ok(a.length > 0 && a.length <= 100);
      assertWellFormed(a, img, 0.25);
      const people = a.filter((d) => d.label === 'person' && d.score >= 0.3);
      assert.ok(people.length >= 2, JSON.stringify(a.slice(0, 5)));
      // The collage's big group photo fills the bottom half: some person box lies mostly there.
      assert.ok(people.some((d) => d.box[1] > img.height / 3 && d.box[3] - d.box[1] > img.height / 4));
    } finally {
      await detector.close();
    }
  },
);

test(
  'boxes are in the input image pixels: a twice-as-wide copy gives the same detections at twice x',
  { timeout: 120_000 },
  async () => {
    // 512² is the model's own size, and doubling every column survives the resize back unchanged,
    // so the network sees identical pixels and only the mapping back to the image differs.
    const square = crop(await photo(), 300, 600, 512, 512);
    const wide = doubleWidth(square);
    const detector = await loadModel('detector', { ...ref, options: { confidence: 0.2 } }, context(1));
    try {
      const [s, w] = [await detector.detect(square, soon()), await detector.detect(wide, soon())];
      assert.ok(s.length > 0);
      assertWellFormed(w, wide, 0.2);
      assert.deepEqual(
        w.map((d) => [d.label, d.score]),
        s.map((d) => [d.label, d.score]),
      );
      for (const [i, d] of w.entries()) {
        const [x1, y1, x2, y2] = s[i]!.box;
        const want = [2 * x1, y1, 2 * x2, y2];
        d.box.forEach((v, k) => assert.ok(Math.abs(v - want[k]!) < 1e-3, `${d.box} vs ${want}`));
      }
    } finally {
      await detector.close();
    }
  },
);

test(
  'on synthetic street scenes the detector gives well-formed boxes and honours max_detections',
  { timeout: 120_000 },
  async () => {
    const detector = await loadTfjsDetector(
      { ...ref, options: { confidence: 0.05, max_detections: 3 } },
      context(1),
    );
    try {
      let total = 0;
      for (const [seed, roadwork] of [
        ['d', true],
        ['f', false],
        ['x', true],
      ] as const) {
        const s = generateScene(createRng(seed), { roadwork, width: 320, height: 240 });
        const img = { width: s.width, height: s.height, data: s.rgb };
        const found = await detector.detect(img, soon());
        assert.ok(found.length <= 3);
        assertWellFormed(found, img, 0.05);
        total += found.length;
      }
      // A model that runs at all has some heatmap peak above 0.05 in three street scenes.
      assert.ok(total > 0);
    } finally {
      await detector.close();
    }
  },
);

test('tfjs detectors: an unknown builtin or bad option fails naming the valid ones', async () => {
  assert.throws(
    () => tfjsDetectorSpec({ runtime: 'tfjs', model: 'builtin:yolo' }),
    /Unknown tfjs detector: "builtin:yolo"; valid tfjs detectors are builtin:centernet/,
  );
  assert.throws(
    () => tfjsDetectorSpec({ runtime: 'tfjs', model: '/models/detector' }),
    /valid tfjs detectors are builtin:centernet/,
  );
  assert.throws(
    () => tfjsDetectorSpec({ ...ref, options: { threshold: 0.5 } }),
    /option key: "threshold"; tfjs detector options are confidence, iou, max_detections/,
  );
  assert.throws(() => tfjsDetectorSpec({ ...ref, options: { confidence: 0 } }), /confidence: 0 \(want/);
  assert.throws(() => tfjsDetectorSpec({ ...ref, options: { max_detections: 2.5 } }), /max_detections: 2.5/);
  assert.deepEqual(tfjsDetectorSpec(ref), {
    builtin: 'centernet',
    confidence: 0.25,
    iou: 0.45,
    maxDetections: 100,
  });
  // Through the registry, before any worker starts.
  await assert.rejects(
    loadModel('detector', { runtime: 'tfjs', model: 'builtin:nope' }, context(1)),
    /valid tfjs detectors are builtin:centernet/,
  );
});

test(
  "a graph model folder embeds with pooling: CenterNet's class heatmaps, max-pooled, hold its detections' scores",
  { timeout: 120_000 },
  () =>
    withDir(async (dir) => {
      // The same files as builtin:centernet, as an operator's own graph-model folder.
      const models = join(dirname(require.resolve('@vladmandic/human')), '..', 'models');
      await copyFile(join(models, 'centernet.json'), join(dir, 'model.json'));
      await copyFile(join(models, 'centernet.bin'), join(dir, 'centernet.bin'));
      const img = await photo();
      const other = crop(img, 300, 600, 400, 300);
      const embedder = await loadModel(
        'embedder',
        {
          runtime: 'tfjs',
          model: dir,
          options: { layer: 'tower_0/keypoints', pooling: 'max', inputRange: [0, 255] },
        },
        context(1),
      );
      const detector = await loadModel('detector', { ...ref, options: { confidence: 0.05 } }, context(1));
      try {
        assert.equal(embedder.dims, 80);
        // The graph takes one image at a time ([1,512,512,3]): a batch runs image by image.
        const [a, b] = await embedder.embed([img, other], soon());
        assert.deepEqual([...(await embedder.embed([other], soon()))[0]!], [...b!]);
        for (const [image, vector] of [
          [img, a!],
          [other, b!],
        ] as const) {
          const found = await detector.detect(image, soon());
          assert.ok(found.length > 0);
          // Each detection is a heatmap peak: its score is at most its class's maximum, and the best
          // detection of a class is that maximum (both stretch the image to 512² the same way).
          for (const label of new Set(found.map((d) => d.label))) {
            const best = Math.max(...found.filter((d) => d.label === label).map((d) => d.score));
            const pooled = vector[COCO_LABELS.indexOf(label)]!;
            assert.ok(Math.abs(pooled - best) < 1e-4, `${label}: pooled ${pooled}, detected ${best}`);
          }
        }
      } finally {
        await Promise.all([embedder.close(), detector.close()]);
      }
    }),
);
