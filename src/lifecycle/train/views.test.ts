import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DEFAULT_IMAGE_POLICY, decodeImage, encodeJpeg, decodeRgb } from '../../inference/image/index.js';
import { encodeScene, generateScene } from '../../data/procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { planScoredViews, renderView, viewKey } from './_views.js';

test('planScoredViews(): 0.4 scores one source-size view (and its twin); 2.0.4 the views per level', () => {
  assert.deepEqual(planScoredViews('0.4', [1, 1, 1, 1], true), [
    { level: 'source', k: 0, hflip: false },
    { level: 'source', k: 0, hflip: true },
  ]);
  assert.deepEqual(planScoredViews('0.4', [3, 0, 0, 0], false), [{ level: 'source', k: 0, hflip: false }]);
  assert.deepEqual(
    planScoredViews('2.0.4', [1, 0, 2, 0], false).map((v) => `${v.level}:${v.k}`),
    ['0:0', '2:0', '2:1'],
  );
  assert.equal(viewKey('img', 's', { level: 'source', k: 0, hflip: false }), 'img#s:Lsource:0');
});

test('renderView() of a 0.4 view is the whole image JPEG q75 at its size, decoded as serving decodes it', async () => {
  const scene = generateScene(createRng('view-04'), { roadwork: true, width: 900, height: 500 });
  const bytes = await encodeScene(scene.rgb, scene.width, scene.height, 95);
  const view = await renderView(bytes, 'img', 's', { level: 'source', k: 0, hflip: false });
  // What a 0.4 validator sends, then what the axon decodes from it with the default policy.
  const sent = await encodeJpeg(await decodeRgb(bytes));
  assert.deepEqual((await sharp(sent).metadata()).width, 900);
  const served = await decodeImage(sent, { policy: DEFAULT_IMAGE_POLICY });
  assert.equal(view.width, 224);
  assert.equal(view.height, 224);
  assert.deepEqual(Buffer.from(view.data), Buffer.from(served.data));
  // A 2.0.4 level-0 view crops before the JPEG, so its pixels differ from the source-size view's.
  const level0 = await renderView(bytes, 'img', 's', { level: 0, k: 0, hflip: false });
  assert.notDeepEqual(Buffer.from(level0.data), Buffer.from(view.data));
});

test('a larger preprocess decodes a 0.4 view at that size, under its own cache key', async () => {
  const scene = generateScene(createRng('view-448'), { roadwork: true, width: 900, height: 500 });
  const bytes = await encodeScene(scene.rgb, scene.width, scene.height, 95);
  const view = { level: 'source', k: 0, hflip: false } as const;
  const policy = { ...DEFAULT_IMAGE_POLICY, size: 448 };
  const big = await renderView(bytes, 'img', 's', view, policy);
  assert.equal(big.width, 448);
  assert.equal(big.height, 448);
  assert.equal(viewKey('img', 's', view, DEFAULT_IMAGE_POLICY), 'img#s:Lsource:0');
  assert.equal(viewKey('img', 's', view, policy), 'img#s:Lsource:0:pcenter-crop/linear@448');
});
