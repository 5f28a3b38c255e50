import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { augmentImage, centreSquare, drawLevel, randomSquareCrop } from './augment.js';
import { cropResize, type RgbImage } from '../../inference/image/index.js';
import { rotate } from './_pixels.js';
import { createRng } from '../../core/random/index.js';

// A smooth 640×480 test card: gradients plus a few blocks, so resampling differences stay small.
function testCard(width = 640, height = 480): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      const block = (Math.floor(x / 80) + Math.floor(y / 80)) % 2 ? 60 : 0;
      data[o] = Math.floor((255 * x) / width);
      data[o + 1] = Math.floor((255 * y) / height);
      data[o + 2] = 100 + block;
    }
  }
  return { width, height, data };
}

async function cardJpeg(): Promise<Buffer> {
  const card = testCard();
  return sharp(card.data, { raw: { width: card.width, height: card.height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

for (const level of [0, 1, 2, 3] as const) {
  test(`augmentImage() at level ${level} returns a 224×224 JPEG that decodes, and its base64`, async () => {
    const result = await augmentImage(await cardJpeg(), createRng(`level-${level}`), { level });
    const meta = await sharp(result.jpeg).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(meta.width, 224);
    assert.equal(meta.height, 224);
    assert.deepEqual(Buffer.from(result.imageB64, 'base64'), result.jpeg);
    assert.equal(result.params.level, level);
    if (level > 0) assert.ok(Math.abs(result.params.angle!) <= 20);
    if (level === 3)
      assert.deepEqual(Object.keys(result.params.distortions!), ['CS', 'CC', 'JPEG', 'GNC', 'GB']);
  });
}

test('augmentImage() with a fixed seed reproduces identical bytes, and another seed differs', async () => {
  const input = await cardJpeg();
  const a = await augmentImage(input, createRng('replay'), { level: 3 });
  const b = await augmentImage(input, createRng('replay'), { level: 3 });
  const c = await augmentImage(input, createRng('other'), { level: 3 });
  assert.deepEqual(a.jpeg, b.jpeg);
  assert.deepEqual(a.params, b.params);
  assert.notDeepEqual(a.jpeg, c.jpeg);
});

test('augmentImage() at level 0 centre-crops a landscape image to its middle square', async () => {
  const result = await augmentImage(testCard(), createRng(1), { level: 0 });
  assert.deepEqual(result.params.crop, { top: 0, left: 80, height: 480, width: 480 });
  assert.equal(result.params.hflip, undefined);
});

test('augmentImage() never flips when flips are off, as the deployed code behaves', async () => {
  for (let i = 0; i < 8; i++) {
    const result = await augmentImage(testCard(64, 48), createRng(i), { level: 1, flips: false });
    assert.equal(result.params.hflip, false);
    assert.equal(result.params.vflip, false);
  }
});

test('augmentImage() letterbox geometry pads a landscape image with black bars', async () => {
  const result = await augmentImage(testCard(), createRng(2), { level: 0, geometry: 'letterbox' });
  // 640×480 → 224×168, 28 rows of black above and below.
  assert.deepEqual([...result.rgb.data.subarray(0, 3)], [0, 0, 0]);
  assert.notDeepEqual(
    [...result.rgb.data.subarray((112 * 224 + 112) * 3, (112 * 224 + 112) * 3 + 3)],
    [0, 0, 0],
  );
});

test('rotation 0 and a full crop are the identity up to resampling', async () => {
  const img = testCard(224, 224);
  const rotated = rotate(img, 0, { region: { top: 0, left: 0, width: 224, height: 224 } });
  const out = await cropResize(rotated, { top: 0, left: 0, width: 224, height: 224 }, 224, 224);
  let diff = 0;
  for (let i = 0; i < img.data.length; i++) diff += Math.abs(img.data[i]! - out.data[i]!);
  assert.ok(diff / img.data.length < 1, `mean abs diff ${diff / img.data.length}`);
});

test('randomSquareCrop() draws squares of 20–100% of the area inside the image', () => {
  const rng = createRng('crop');
  for (let i = 0; i < 200; i++) {
    const box = randomSquareCrop(640, 480, rng);
    assert.equal(box.width, box.height);
    assert.ok(box.width >= Math.floor(Math.sqrt(0.2 * 640 * 480)) && box.width <= 480);
    assert.ok(box.top >= 0 && box.left >= 0 && box.top + box.height <= 480 && box.left + box.width <= 640);
  }
  assert.deepEqual(centreSquare(480, 640), { top: 80, left: 0, height: 480, width: 480 });
});

test('drawLevel() picks each level with probability about 0.25', () => {
  const rng = createRng('levels');
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 8000; i++) counts[drawLevel(rng)]!++;
  for (const c of counts) assert.ok(Math.abs(c / 8000 - 0.25) < 0.02, `counts ${counts}`);
});
