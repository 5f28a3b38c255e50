// Style-destroying and pasted training views: what each does to the pixels, their keys and their twins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { encodeScene, generateScene, pasteWorkZone } from '../../data/procedural/index.js';
import { DEFAULT_IMAGE_POLICY, decodeImage, decodeRgb } from '../../inference/image/index.js';
import { augmentImage } from '../../validation/validator/index.js';
import { createRng } from '../../core/random/index.js';
import { parseStyleKinds, styleTransform } from './_style.js';
import { planPasteViews, planScoredViews, planStyleViews, renderView, viewKey } from './_views.js';

/** A 2×2 image with a strong blue cast. */
const CAST = {
  width: 2,
  height: 2,
  data: Uint8Array.from([40, 60, 200, 80, 100, 240, 20, 30, 160, 60, 90, 220]),
};

const channelMeans = (d: Uint8Array) =>
  [0, 1, 2].map((c) => d.filter((_, i) => i % 3 === c).reduce((s, v) => s + v, 0) / (d.length / 3));

test('styleTransform(): grey has equal channels, grey-world equal channel means, jitter is seeded', () => {
  const grey = styleTransform(CAST, 'grey', 's').data;
  for (let i = 0; i < grey.length; i += 3) assert.ok(grey[i] === grey[i + 1] && grey[i] === grey[i + 2]);
  const [r, g, b] = channelMeans(styleTransform(CAST, 'greyworld', 's').data);
  assert.ok(Math.abs(r! - b!) < 2 && Math.abs(g! - b!) < 2, `means ${r} ${g} ${b}`);
  const [r0, , b0] = channelMeans(CAST.data);
  assert.ok(b0! - r0! > 100, 'the input has a cast to remove');
  const j1 = styleTransform(CAST, 'jitter', 'a').data;
  assert.deepEqual(styleTransform(CAST, 'jitter', 'a').data, j1);
  assert.notDeepEqual(styleTransform(CAST, 'jitter', 'b').data, j1);
  assert.notDeepEqual(j1, CAST.data);
});

test('style views: own cache keys, the view then the transform, twins paired; bad kinds refused', async () => {
  const views = planScoredViews('2.0.4', [1, 0, 0, 1], true);
  const styled = planStyleViews(views, ['grey', 'jitter']);
  assert.equal(styled.length, 2 * views.length);
  const keys = new Set([...views, ...styled].map((v) => viewKey('img', 's', v)));
  assert.equal(keys.size, 3 * views.length);
  assert.equal(viewKey('img', 's', styled[1]!), 'img#s:L0:0:h:sgrey');

  const scene = generateScene(createRng('style-view'), { roadwork: true, width: 320, height: 240 });
  const bytes = await encodeScene(scene.rgb, scene.width, scene.height, 95);
  const plain = await renderView(bytes, 'img', 's', { level: 3, k: 0, hflip: true });
  const jittered = await renderView(bytes, 'img', 's', { level: 3, k: 0, hflip: true, style: 'jitter' });
  assert.deepEqual(jittered.data, styleTransform(plain, 'jitter', 's|img|3|0').data);
  // The mirror twin gets the same jitter draw as its view.
  const front = await renderView(bytes, 'img', 's', { level: 3, k: 0, hflip: false });
  const frontJ = await renderView(bytes, 'img', 's', { level: 3, k: 0, hflip: false, style: 'jitter' });
  assert.deepEqual(frontJ.data, styleTransform(front, 'jitter', 's|img|3|0').data);

  assert.deepEqual(parseStyleKinds(''), []);
  assert.deepEqual(parseStyleKinds('grey, jitter,grey'), ['grey', 'jitter']);
  assert.throws(
    () => parseStyleKinds('sepia'),
    (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /sepia/.test(err.message),
  );
});

test('pasted views: one work zone per copy, levels in turn under 2.0.4, own keys, the paste then the validator view', async () => {
  assert.deepEqual(
    planPasteViews('2.0.4', 5, false).map((v) => [v.level, v.k, v.paste]),
    [
      [0, 0, 'work-zone'],
      [1, 1, 'work-zone'],
      [2, 2, 'work-zone'],
      [3, 3, 'work-zone'],
      [0, 4, 'work-zone'],
    ],
  );
  assert.deepEqual(
    planPasteViews('0.4', 2, true).map((v) => [v.level, v.k, v.hflip]),
    [
      ['source', 0, false],
      ['source', 0, true],
      ['source', 1, false],
      ['source', 1, true],
    ],
  );
  assert.deepEqual(planPasteViews('2.0.4', 0, true), []);
  const [pasted] = planPasteViews('2.0.4', 1, false);
  assert.equal(viewKey('img', 's', pasted!), 'img#s:L0:0:paste');
  assert.notEqual(viewKey('img', 's', pasted!), viewKey('img', 's', { level: 0, k: 0, hflip: false }));
  const [decoys] = planPasteViews('2.0.4', 1, true, 'decoys');
  assert.equal(viewKey('img', 's', decoys!), 'img#s:L0:0:decoys');

  const scene = generateScene(createRng('paste-view'), { roadwork: false, width: 320, height: 240 });
  const bytes = await encodeScene(scene.rgb, scene.width, scene.height, 95);
  const view = { level: 2, k: 1, hflip: false, paste: 'work-zone' } as const;
  const rendered = await renderView(bytes, 'img', 's', view);
  // The work zone is painted into the decoded photo, then the validator's augmentation of the
  // same draw as the plain view's runs on it.
  const photo = pasteWorkZone(await decodeRgb(bytes), createRng('paste|s|img|2|1'));
  const { jpeg } = await augmentImage(photo, createRng('s|img|2|1'), { level: 2 });
  assert.deepEqual(rendered.data, (await decodeImage(jpeg, { policy: DEFAULT_IMAGE_POLICY })).data);
  const plain = await renderView(bytes, 'img', 's', { level: 2, k: 1, hflip: false });
  assert.notDeepEqual(rendered.data, plain.data);
  // Another copy is another work zone; look-alikes on the same road are other pixels again.
  assert.notDeepEqual((await renderView(bytes, 'img', 's', { ...view, k: 5 })).data, rendered.data);
  const decoyed = await renderView(bytes, 'img', 's', { ...view, paste: 'decoys' });
  assert.notDeepEqual(decoyed.data, rendered.data);
  assert.notDeepEqual(decoyed.data, plain.data);
});
