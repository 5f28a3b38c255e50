// The preprocessing policy with real encoded images: geometry of each mode, shrink-on-load, scan counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import {
  DEFAULT_IMAGE_POLICY,
  SHORT_SIDE_MAX_ASPECT,
  countJpegScans,
  decodeImage,
  parseImagePolicy,
  policyKey,
  type ImagePolicy,
} from './index.js';

/** A 400×200 image: left half red, right half blue. */
async function halves(format: 'jpeg' | 'png'): Promise<Buffer> {
  const data = Buffer.alloc(400 * 200 * 3);
  for (let y = 0; y < 200; y++)
    for (let x = 0; x < 400; x++) data.set(x < 200 ? [230, 20, 20] : [20, 20, 230], (y * 400 + x) * 3);
  const img = sharp(data, { raw: { width: 400, height: 200, channels: 3 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg({ quality: 90 }).toBuffer();
}

function pixel(img: { data: Uint8Array; width: number }, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

const policy = (resize: ImagePolicy['resize']): ImagePolicy => ({ size: 64, resize, kernel: 'linear' });

test('decodeImage() fits a 2:1 image into the square by centre crop, letterbox or squash', async () => {
  const png = await halves('png');
  const crop = await decodeImage(png, { policy: policy('center-crop') });
  assert.deepEqual([crop.width, crop.height], [64, 64]);
  // The centre square keeps both halves; no black anywhere.
  assert.ok(pixel(crop, 5, 32)[0]! > 200 && pixel(crop, 58, 32)[2]! > 200);
  const box = await decodeImage(png, { policy: policy('letterbox') });
  // Whole image in the middle 64×32 band, black bars above and below.
  assert.deepEqual(pixel(box, 32, 2), [0, 0, 0]);
  assert.ok(pixel(box, 2, 32)[0]! > 200 && pixel(box, 61, 32)[2]! > 200);
  const squash = await decodeImage(png, { policy: policy('squash') });
  assert.ok(pixel(squash, 2, 2)[0]! > 200 && pixel(squash, 61, 61)[2]! > 200);
});

test('decodeImage() shrinks a 12 MP JPEG on load to the policy square', async () => {
  const big = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080' } })
    .jpeg({ quality: 75 })
    .toBuffer();
  const img = await decodeImage(big, { policy: DEFAULT_IMAGE_POLICY });
  assert.deepEqual([img.width, img.height, img.data.length], [224, 224, 224 * 224 * 3]);
  assert.ok(Math.abs(pixel(img, 100, 100)[0]! - 128) <= 2);
});

test('countJpegScans() counts 1 for baseline and the real count for progressive JPEGs', async () => {
  const jpeg = await halves('jpeg');
  assert.equal(countJpegScans(jpeg), 1);
  const progressive = await sharp(jpeg).jpeg({ progressive: true }).toBuffer();
  const scans = countJpegScans(progressive);
  assert.ok(scans > 1 && scans <= 20, `progressive scans: ${scans}`);
  assert.equal(countJpegScans(progressive, 2), 3, 'stops one past the limit');
});

test('parseImagePolicy() fills defaults and names bad values', () => {
  assert.equal(policyKey(parseImagePolicy(undefined)), 'center-crop/linear@224');
  assert.equal(policyKey(parseImagePolicy({ resize: 'letterbox', size: 384 })), 'letterbox/linear@384');
  assert.throws(() => parseImagePolicy({ resize: 'zoom' }), /valid modes are center-crop, letterbox, squash/);
  assert.throws(() => parseImagePolicy({ size: 8 }), /size must be an integer from 16 to 4096/);
  assert.throws(() => parseImagePolicy({ sizes: 224 }), /unknown keys: sizes/);
});

test('decodeImage() waits for a turn only once the header passed its checks, and always ends it', async () => {
  const png = await halves('png');
  const turns: string[] = [];
  const turn = async (h: { width: number; height: number }) => {
    turns.push(`${h.width}×${h.height}`);
    return () => turns.push('end');
  };
  await decodeImage(png, { policy: DEFAULT_IMAGE_POLICY, turn });
  assert.deepEqual(turns, ['400×200', 'end']);
  // Over the pixel limit: refused at once, never queued for a turn (a turn that never comes would hang).
  const never = () => new Promise<() => void>(() => undefined);
  await assert.rejects(decodeImage(png, { maxPixels: 1000, turn: never }), /too many pixels/);
  // A decode that fails (pixel data corrupt behind a valid header) still ends its turn.
  turns.length = 0;
  const corrupt = Buffer.from(png);
  corrupt.fill(0xab, 40, corrupt.length - 12);
  await assert.rejects(decodeImage(corrupt, { turn }));
  assert.deepEqual(turns, ['400×200', 'end']);
});

test('a decode that times out keeps its turn until the decoder has really stopped', async () => {
  const big = await sharp({
    create: {
      width: 4000,
      height: 3000,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .jpeg({ quality: 95 })
    .toBuffer();
  let ended = 0;
  const turn = async () => () => void (ended = performance.now());
  const started = performance.now();
  // Without a policy the whole 12 MP image is decoded: far longer than the 1 ms budget.
  await assert.rejects(decodeImage(big, { timeoutMs: 1, turn }), { code: 'ERR_IMAGE_DECODE_TIMEOUT' });
  const rejected = performance.now();
  assert.equal(ended, 0, 'the turn is still held when the caller hears of the timeout');
  const deadline = Date.now() + 5000;
  while (ended === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(ended > rejected, 'and ends once libvips stopped (its own 1 s timeout at most)');
  assert.ok(ended - started < 5000, `held ${(ended - started).toFixed(0)} ms`);
});

test('decodeImage() short-side keeps the frame: the shorter side becomes size, the aspect stays', async () => {
  const png = await halves('png');
  const wide = await decodeImage(png, { policy: policy('short-side') });
  assert.deepEqual([wide.width, wide.height], [128, 64]);
  assert.ok(pixel(wide, 2, 32)[0]! > 200 && pixel(wide, 125, 32)[2]! > 200, 'both ends kept, no bars');
  // EXIF rotation (orientation 6: 90° clockwise) turns the same frame upright: 64 wide, 128 tall.
  const rotated = await sharp(png).withMetadata({ orientation: 6 }).jpeg().toBuffer();
  const tall = await decodeImage(rotated, { policy: policy('short-side') });
  assert.deepEqual([tall.width, tall.height], [64, 128]);
  // A square image is exactly the square; a small one is enlarged like the other modes do.
  const square = await decodeImage(await sharp(png).resize(100, 100).png().toBuffer(), {
    policy: policy('short-side'),
  });
  assert.deepEqual([square.width, square.height], [64, 64]);
});

test('decodeImage() short-side bounds a hostile aspect ratio: 40:1 fits inside 4·size', async () => {
  const strip = await sharp({ create: { width: 4000, height: 100, channels: 3, background: '#808080' } })
    .png()
    .toBuffer();
  const img = await decodeImage(strip, { policy: policy('short-side') });
  assert.equal(img.width, 64 * SHORT_SIDE_MAX_ASPECT);
  assert.ok(img.height < 64 && img.height >= 6, `height ${img.height}`);
  assert.equal(img.data.length, img.width * img.height * 3);
});
