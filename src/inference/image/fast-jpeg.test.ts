import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp, { type JpegOptions } from 'sharp';
import { decodePlainJpeg, isPlainJpeg } from './_fast-jpeg.js';
import { decodeImage } from './index.js';

const W = 64;
const H = 48;
const rgb = Buffer.alloc(W * H * 3);
for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7919 + (i >> 7) * 31) & 255;
const jpeg = (o: JpegOptions = {}) =>
  sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 75, ...o });

test('isPlainJpeg() accepts baseline, progressive and greyscale JPEGs as PIL writes them', async () => {
  assert.equal(isPlainJpeg(await jpeg().toBuffer()), true);
  assert.equal(isPlainJpeg(await jpeg({ progressive: true }).toBuffer()), true);
  assert.equal(
    isPlainJpeg(
      await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
        .greyscale()
        .jpeg()
        .toBuffer(),
    ),
    true,
  );
});

test('isPlainJpeg() sends truncated, EXIF-oriented and CMYK JPEGs to the careful decoder', async () => {
  const full = await jpeg().toBuffer();
  assert.equal(isPlainJpeg(full.subarray(0, full.length >> 1)), false);
  assert.equal(isPlainJpeg(await jpeg().withMetadata({ orientation: 6 }).toBuffer()), false);
  assert.equal(
    isPlainJpeg(
      await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
        .toColourspace('cmyk')
        .jpeg()
        .toBuffer(),
    ),
    false,
  );
  assert.equal(isPlainJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xd9])), false);
});

test('the fast decoder matches sharp to within JPEG rounding, and decodeImage() keeps rejecting truncation', async () => {
  const bytes = await jpeg().toBuffer();
  const fast = await decodePlainJpeg(bytes, W, H);
  assert.ok(fast);
  const careful = await sharp(bytes).raw().toBuffer();
  let sum = 0;
  for (let i = 0; i < careful.length; i++) sum += Math.abs((fast[i] as number) - (careful[i] as number));
  assert.ok(sum / careful.length < 1.5, `mean abs difference ${sum / careful.length}`);
  const viaDecode = await decodeImage(bytes);
  assert.deepEqual([viaDecode.width, viaDecode.height, viaDecode.data.length], [W, H, W * H * 3]);
  await assert.rejects(
    decodeImage(bytes.subarray(0, bytes.length - 40)),
    (e: Error & { code?: string }) => e.code === 'ERR_IMAGE_FORMAT',
  );
});
