// The perceptual hash on real synthetic scenes and real JPEG round trips through sharp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { RgbImage } from '../image/index.js';
import { generateScene } from '../../data/procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { hammingDistance, perceptualHash } from './index.js';

const SIZE = 224;

function scene(i: number): RgbImage {
  const s = generateScene(createRng(`phash:${i}`), { roadwork: i % 2 === 0, width: SIZE, height: SIZE });
  return { data: s.rgb, width: s.width, height: s.height };
}

async function jpegRoundTrip(image: RgbImage, quality: number): Promise<RgbImage> {
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
  const { data, info } = await sharp(jpeg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

function flip(image: RgbImage, axis: 'horizontal' | 'vertical'): RgbImage {
  const { data, width, height } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = axis === 'horizontal' ? width - 1 - x : x;
      const sy = axis === 'vertical' ? height - 1 - y : y;
      out.set(data.subarray((sy * width + sx) * 3, (sy * width + sx) * 3 + 3), (y * width + x) * 3);
    }
  }
  return { data: out, width, height };
}

test('perceptualHash() is 16 hex digits and identical for identical pixels in another buffer', () => {
  const image = scene(1);
  const hash = perceptualHash(image);
  assert.match(hash, /^[0-9a-f]{16}$/);
  assert.equal(perceptualHash({ ...image, data: Uint8Array.from(image.data) }), hash);
});

test('perceptualHash() keeps the same key when a validator JPEG (q75) is re-encoded at q75', async () => {
  let identical = 0;
  const n = 12;
  for (let i = 0; i < n; i++) {
    const sent = await jpegRoundTrip(scene(i), 75);
    const again = await jpegRoundTrip(sent, 75);
    const d = hammingDistance(perceptualHash(sent), perceptualHash(again));
    assert.ok(d <= 4, `scene ${i}: ${d} bits moved`);
    if (d === 0) identical++;
  }
  // The cache key is the exact hash: a moved near-median bit is a miss (extra work), never a wrong hit.
  assert.ok(identical >= n - 2, `only ${identical} of ${n} keys survived re-encoding`);
});

test('perceptualHash() differs for horizontal and vertical flips (a flipped copy is a new challenge)', () => {
  for (let i = 0; i < 6; i++) {
    const image = scene(i);
    const hash = perceptualHash(image);
    for (const axis of ['horizontal', 'vertical'] as const) {
      const d = hammingDistance(hash, perceptualHash(flip(image, axis)));
      assert.ok(d >= 10, `scene ${i} ${axis} flip: only ${d} bits differ`);
    }
  }
});

test('perceptualHash() tells different scenes apart', () => {
  const hashes = Array.from({ length: 16 }, (_, i) => perceptualHash(scene(i)));
  for (let i = 0; i < hashes.length; i++) {
    for (let j = i + 1; j < hashes.length; j++) {
      const d = hammingDistance(hashes[i]!, hashes[j]!);
      assert.ok(d >= 6, `scenes ${i} and ${j}: only ${d} bits differ`);
    }
  }
});

test('perceptualHash() hashes images of any size and rejects a short buffer', () => {
  assert.match(
    perceptualHash({ data: new Uint8Array(640 * 480 * 3).fill(90), width: 640, height: 480 }),
    /^[0-9a-f]{16}$/,
  );
  assert.match(
    perceptualHash({ data: new Uint8Array(8 * 8 * 3).fill(7), width: 8, height: 8 }),
    /^[0-9a-f]{16}$/,
  );
  assert.throws(() => perceptualHash({ data: new Uint8Array(10), width: 224, height: 224 }), RangeError);
});
