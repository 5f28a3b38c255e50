// Decoding tests with real encoded images and real crafted hostile inputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import { isRoadworkError, type ErrorCode } from '../../core/errors/index.js';
import { decodeBase64Image, decodeImage, readImageHeader } from './index.js';

function gradient(width: number, height: number, channels: 1 | 3 | 4): Buffer {
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * channels;
      data[o] = x % 256;
      if (channels >= 3) {
        data[o + 1] = y % 256;
        data[o + 2] = 200;
      }
      if (channels === 4) data[o + 3] = 10;
    }
  }
  return data;
}

function rawImage(width: number, height: number, channels: 1 | 3 | 4): Sharp {
  return sharp(gradient(width, height, channels), { raw: { width, height, channels } });
}

async function rejectsWith(work: () => Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(work, (err: unknown) => {
    assert.ok(isRoadworkError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
}

/** Rewrites a PNG's IHDR size and fixes its CRC, so only the declared size is hostile. */
function pngDeclaring(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
}

test('decodeBase64Image() decodes a 224x224 JPEG to packed RGB', async () => {
  const jpeg = await rawImage(224, 224, 3).jpeg({ quality: 75 }).toBuffer();
  const image = await decodeBase64Image(jpeg.toString('base64'));
  assert.equal(image.width, 224);
  assert.equal(image.height, 224);
  assert.equal(image.data.length, 224 * 224 * 3);
  // A JPEG round trip is lossy, but the blue plane of the gradient stays near 200.
  assert.ok(Math.abs(image.data[3 * (100 * 224 + 100) + 2]! - 200) < 12);
});

test('decodeImage() drops alpha from a PNG and keeps exact pixels', async () => {
  const png = await rawImage(16, 8, 4).png().toBuffer();
  const image = await decodeImage(png);
  assert.equal(image.data.length, 16 * 8 * 3);
  assert.deepEqual([...image.data.subarray(3 * 9, 3 * 10)], [9, 0, 200]);
});

test('decodeImage() expands a greyscale PNG to three channels', async () => {
  const png = await rawImage(8, 4, 1).png().toBuffer();
  const image = await decodeImage(png);
  assert.equal(image.data.length, 8 * 4 * 3);
  assert.deepEqual([...image.data.subarray(15, 18)], [5, 5, 5]);
});

test('decodeImage() applies the EXIF orientation', async () => {
  const jpeg = await rawImage(20, 10, 3).jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const image = await decodeImage(jpeg);
  assert.deepEqual([image.width, image.height], [10, 20]);
});

test('decodeImage() accepts WebP and reads its header size', async () => {
  const webp = await rawImage(30, 12, 3).webp().toBuffer();
  assert.deepEqual(readImageHeader(webp), { format: 'webp', width: 30, height: 12 });
  const lossless = await rawImage(30, 12, 3).webp({ lossless: true }).toBuffer();
  assert.deepEqual(readImageHeader(lossless), { format: 'webp', width: 30, height: 12 });
  assert.equal((await decodeImage(webp)).data.length, 30 * 12 * 3);
});

test('decodeBase64Image() rejects empty, whitespace, URL-safe, unpadded and oversized base64', async () => {
  const jpeg = (await rawImage(8, 8, 3).jpeg().toBuffer()).toString('base64');
  const spaced = `${jpeg.slice(0, 8)}\n${jpeg.slice(8)}`;
  const urlSafe = jpeg.replace(/\+/g, '-').replace(/\//g, '_') + '-_';
  await rejectsWith(() => decodeBase64Image(''), 'ERR_IMAGE_BASE64');
  await rejectsWith(() => decodeBase64Image(spaced), 'ERR_IMAGE_BASE64');
  await rejectsWith(() => decodeBase64Image(` ${jpeg}`), 'ERR_IMAGE_BASE64');
  await rejectsWith(() => decodeBase64Image(urlSafe), 'ERR_IMAGE_BASE64');
  await rejectsWith(() => decodeBase64Image('QUI'), 'ERR_IMAGE_BASE64');
  await rejectsWith(() => decodeBase64Image('QQ==QQ=='), 'ERR_IMAGE_BASE64');
  await rejectsWith(() => decodeBase64Image(jpeg, { maxBase64Chars: 100 }), 'ERR_IMAGE_BASE64');
  assert.equal((await decodeBase64Image(jpeg)).width, 8);
});

test('decodeImage() rejects formats other than JPEG, PNG and WebP by their magic bytes', async () => {
  const gif = await rawImage(8, 8, 3).gif().toBuffer();
  await rejectsWith(() => decodeImage(gif), 'ERR_IMAGE_FORMAT');
  await rejectsWith(
    () => decodeImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')),
    'ERR_IMAGE_FORMAT',
  );
  await rejectsWith(() => decodeImage(new Uint8Array(0)), 'ERR_IMAGE_FORMAT');
});

test('decodeImage() rejects a truncated JPEG and corrupt PNG data', async () => {
  const jpeg = await rawImage(224, 224, 3).jpeg().toBuffer();
  await rejectsWith(() => decodeImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6))), 'ERR_IMAGE_FORMAT');
  await rejectsWith(() => decodeImage(jpeg.subarray(0, 40)), 'ERR_IMAGE_FORMAT');
  const png = Buffer.from(await rawImage(64, 64, 3).png().toBuffer());
  png.fill(0x55, 50, 120); // inside the IDAT stream
  await rejectsWith(() => decodeImage(png), 'ERR_IMAGE_FORMAT');
});

test('decodeImage() refuses decompression bombs from the header before decoding', async () => {
  const png = await rawImage(1, 1, 3).png().toBuffer();
  const bomb = pngDeclaring(png, 30000, 30000);
  assert.ok(bomb.length < 200, 'the bomb is a tiny file');
  assert.deepEqual(readImageHeader(bomb), { format: 'png', width: 30000, height: 30000 });
  await rejectsWith(() => decodeImage(bomb), 'ERR_IMAGE_TOO_LARGE');

  const jpeg = Buffer.from(await rawImage(8, 8, 3).jpeg().toBuffer());
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg.writeUInt16BE(30000, sof + 5);
  jpeg.writeUInt16BE(30000, sof + 7);
  await rejectsWith(() => decodeImage(jpeg), 'ERR_IMAGE_TOO_LARGE');
  // A modest limit also applies to honest images.
  await rejectsWith(() => decodeImage(png, { maxPixels: 0 }), 'ERR_IMAGE_TOO_LARGE');
});

test('decodeImage() gives up on a decode that exceeds its time budget', async () => {
  const big = await sharp({
    create: {
      width: 2000,
      height: 2000,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg()
    .toBuffer();
  await rejectsWith(() => decodeImage(big, { timeoutMs: 1 }), 'ERR_IMAGE_DECODE_TIMEOUT');
  assert.equal((await decodeImage(big, { timeoutMs: 10_000 })).width, 2000);
});
