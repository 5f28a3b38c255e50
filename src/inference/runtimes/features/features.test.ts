// The features runtime: hand-made features as an embedder of their own, through real worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../../core/errors/index.js';
import { createRng } from '../../../core/random/index.js';
import { generateScene } from '../../../data/procedural/index.js';
import { colourShapeFeatures, objectFeatures } from '../../features/index.js';
import type { RgbImage } from '../../image/index.js';
import { getRuntime, loadEmbedders, loadModel, squashingModel, type ModelRef } from '../index.js';
import { testContext } from '../_test-context.js';
import { featureSets } from './index.js';

const soon = () => ({ deadlineMs: Date.now() + 20_000 });
const scenes = (n: number): RgbImage[] =>
  Array.from({ length: n }, (_, i) => {
    const s = generateScene(createRng(`features-${i}`), {
      roadwork: i % 2 === 0,
      width: 224 - 8 * i,
      height: 160 + 8 * i,
    });
    return { width: s.width, height: s.height, data: s.rgb };
  });
const ref = (model: string, options?: Record<string, unknown>): ModelRef => ({
  runtime: 'features',
  model,
  ...(options === undefined ? {} : { options }),
});

test('a features embedder gives each image its feature sets in the order named, from two workers', async () => {
  const images = scenes(5);
  const before = images.map((i) => i.data.slice());
  const embedder = await loadModel('embedder', ref('builtin:objects+colour-shape'), testContext(2));
  try {
    assert.equal(embedder.dims, 24 + 140);
    assert.equal(embedder.version, 'features:ob1+cs1');
    const got = await embedder.embed(images, soon());
    assert.equal(got.length, images.length);
    images.forEach((image, i) => {
      assert.deepEqual(Array.from(got[i]!), [...objectFeatures(image), ...colourShapeFeatures(image)]);
      // The caller's pixels are copied, not transferred away.
      assert.deepEqual(image.data, before[i]);
    });
    assert.deepEqual(await embedder.embed([], soon()), []);
    await assert.rejects(embedder.embed(images, { deadlineMs: Date.now() - 5 }), (err) =>
      isRoadworkError(err, 'ERR_DEADLINE_EXCEEDED'),
    );
  } finally {
    await embedder.close();
  }
});

test('beside a second embedder the features are its last columns (how a backbone gains a feature set)', async () => {
  const images = scenes(3);
  const ctx = testContext(1);
  const both = await loadEmbedders([ref('builtin:colour-shape'), ref('builtin:objects')], ctx);
  try {
    assert.equal(both.dims, 164);
    assert.equal(both.version, 'features:cs1 ++ features:ob1');
    const got = await both.embed(images, soon());
    images.forEach((image, i) =>
      assert.deepEqual(Array.from(got[i]!.subarray(140)), Array.from(objectFeatures(image))),
    );
  } finally {
    await both.close();
  }
});

test('a features model names known sets after builtin:, once each, and takes no options', () => {
  assert.deepEqual(featureSets(ref('builtin:colour-shape')), ['colour-shape']);
  for (const model of [
    'objects',
    'builtin:',
    'builtin:objects+cones',
    'builtin:objects+objects',
    'tfjs:builtin:mobilenetv2',
  ]) {
    assert.throws(
      () => featureSets(ref(model)),
      (err) =>
        isRoadworkError(err, 'ERR_CONFIG_INVALID') &&
        /builtin:colour-shape|twice/.test((err as Error).message),
      model,
    );
  }
  assert.throws(
    () => featureSets(ref('builtin:objects', { size: 224 })),
    (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /"size"/.test((err as Error).message),
  );
  // The features read the frame as it arrives: never a reason to refuse short-side preprocessing.
  assert.equal(squashingModel([{ ...ref('builtin:objects'), capability: 'embedder' }]), undefined);
  assert.equal(getRuntime('features').embedder !== undefined, true);
});
