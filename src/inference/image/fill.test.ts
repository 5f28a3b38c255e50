// JPEGs whose frame header declares far more pixels than their scans could fill are refused unread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp, { type JpegOptions } from 'sharp';
import { isRoadworkError } from '../../core/errors/index.js';
import { decodeImage, readImageHeader } from './index.js';
import { minJpegScanBytes, readJpegScanData } from './_fill.js';

/** A 224×224 photo-like JPEG: noise on a colour, so its scans are real data a few KB long. */
function smallJpeg(options: JpegOptions): Promise<Buffer> {
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 30 };
  return sharp({ create: { width: 224, height: 224, channels: 3, background: '#5a8cc8', noise } })
    .jpeg(options)
    .toBuffer();
}

function flatJpeg(width: number, height: number, grey: boolean, options: JpegOptions): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: 90, g: 140, b: 200 } } });
  return (grey ? image.greyscale() : image).jpeg(options).toBuffer();
}

/** Rewrites the frame header (SOF0/SOF2) to declare another size; the scans stay those of the real image. */
function declaring(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 8 < out.length; i += 2 + out.readUInt16BE(i + 2)) {
    assert.equal(out[i], 0xff, 'a marker');
    if (out[i + 1] === 0xc0 || out[i + 1] === 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error('no SOF0/SOF2 in the test image');
}

/** Puts a comment segment of `size` bytes after SOI, as an attacker padding the file would. */
function padded(jpeg: Buffer, size: number): Buffer {
  const com = Buffer.alloc(4 + size, 0x20);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(2 + size, 2);
  return Buffer.concat([jpeg.subarray(0, 2), com, jpeg.subarray(2)]);
}

async function refusedQuickly(bomb: Buffer): Promise<void> {
  const started = performance.now();
  await assert.rejects(decodeImage(bomb), (err: unknown) => {
    assert.ok(isRoadworkError(err, 'ERR_IMAGE_FORMAT'), `expected ERR_IMAGE_FORMAT, got ${String(err)}`);
    assert.match(err.message, /declares 7000×7000 pixels but holds \d+ bytes/);
    return true;
  });
  const ms = performance.now() - started;
  assert.ok(ms < 50, `refused in ${ms.toFixed(1)} ms, so without decoding`);
}

test('decodeImage() refuses a baseline JPEG whose frame header was rewritten to 7000×7000', async () => {
  const jpeg = await smallJpeg({ quality: 75 });
  const bomb = declaring(jpeg, 7000, 7000);
  assert.deepEqual(readImageHeader(bomb), { format: 'jpeg', width: 7000, height: 7000 });
  await refusedQuickly(bomb);
  assert.equal((await decodeImage(jpeg)).width, 224, 'the image it came from decodes');
});

test('decodeImage() refuses a progressive JPEG whose frame header was rewritten to 7000×7000', async () => {
  const bomb = declaring(await smallJpeg({ quality: 75, progressive: true }), 7000, 7000);
  await refusedQuickly(bomb);
});

test('decodeImage() counts only scan data, so padding a bomb with metadata does not let it through', async () => {
  const bomb = padded(declaring(await smallJpeg({ quality: 90 }), 7000, 7000), 65_000);
  assert.ok(bomb.length > minJpegScanBytes(7000, 7000), 'the file itself is large enough');
  await refusedQuickly(bomb);
});

test('readJpegScanData() finds the flattest JPEGs sharp writes well above the floor', async () => {
  // The tightest measured (4000×3000 and 7000×7000, every quality): 3.0× the floor for greyscale or
  // 4:2:0 with mozjpeg's scans, 6× plain, 12× 4:4:4. The floor itself is half a real file's minimum.
  const cases: [number, number, boolean, JpegOptions][] = [
    [224, 224, true, { quality: 10, mozjpeg: true }],
    [1920, 1080, false, { quality: 100, chromaSubsampling: '4:2:0', mozjpeg: true }],
    [1920, 1080, false, { quality: 10, progressive: true, chromaSubsampling: '4:4:4' }],
    [4000, 3000, true, { quality: 50, mozjpeg: true }],
    [4000, 3000, false, { quality: 10 }],
  ];
  for (const [width, height, grey, options] of cases) {
    const jpeg = await flatJpeg(width, height, grey, options);
    const scans = readJpegScanData(jpeg);
    assert.ok(scans !== undefined && scans.coding === 'huffman');
    const ratio = scans.bytes / minJpegScanBytes(width, height);
    assert.ok(ratio > 2.5, `${width}×${height} ${JSON.stringify(options)}: ${ratio.toFixed(2)}× the floor`);
  }
  const flat = await flatJpeg(1920, 1080, false, { quality: 10, progressive: true });
  assert.equal((await decodeImage(flat)).width, 1920);
});
