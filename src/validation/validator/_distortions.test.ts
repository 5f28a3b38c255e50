import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyDistortion,
  colourContrast,
  colourNoise,
  colourSaturation,
  jpegStyle,
  blur,
} from './_distortions.js';
import { createRng } from '../../core/random/index.js';
import type { RgbImage } from '../../inference/image/index.js';

function randomImage(seed: string, width = 32, height = 32): RgbImage {
  const rng = createRng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(0, 255);
  return { width, height, data };
}

function channelStats(img: RgbImage, c: number): { mean: number; std: number } {
  let sum = 0;
  let sq = 0;
  const n = img.data.length / 3;
  for (let i = c; i < img.data.length; i += 3) {
    sum += img.data[i]!;
    sq += img.data[i]! ** 2;
  }
  const mean = sum / n;
  return { mean, std: Math.sqrt(sq / n - mean * mean) };
}

test('colourSaturation() at level 5 (factor 0) leaves only grey, so JPEG chroma is Cb = Cr = 128', () => {
  const out = applyDistortion(randomImage('sat'), 'CS', 5, createRng(1));
  let exact = 0;
  for (let i = 0; i < out.data.length; i += 3) {
    const [r, g, b] = [out.data[i]!, out.data[i + 1]!, out.data[i + 2]!];
    // R = G = B ⇔ Cb = Cr = 128. The reference's off-centre chroma offsets (111.5/224 instead of 0.5)
    // leave R, B ≈ Y - 0.003 and G ≈ Y + 0.002, so truncation can split them by one level.
    assert.ok(Math.abs(r - g) <= 1 && Math.abs(g - b) <= 1 && Math.abs(r - b) <= 1);
    if (r === g && g === b) exact++;
  }
  assert.ok(exact > out.data.length / 3 / 2, `only ${exact} exactly grey pixels`);
});

test('colourSaturation() pulls colours toward their luma with the reference offsets', () => {
  // Grey 100: Y = 100; R = 100 - 1.403·0.00223 = 99.997 → 99; G = 100 + 1.058·0.00223 → 100; B → 99.
  const grey: RgbImage = { width: 1, height: 1, data: new Uint8Array([100, 100, 100]) };
  assert.deepEqual([...colourSaturation(grey, 0.4).data], [99, 100, 99]);
  const red: RgbImage = { width: 1, height: 1, data: new Uint8Array([255, 0, 0]) };
  // Y = 0.299·255 = 76.245; R' ≈ 76.245 + 0.4·1.0003·178.755 ≈ 147.77 → 147; G' = B' ≈ 0.6·76.245 ≈ 45.7 → 45
  assert.deepEqual([...colourSaturation(red, 0.4).data], [147, 45, 45]);
});

test('colourContrast() multiplies every channel and truncates like numpy astype(uint8)', () => {
  const img: RgbImage = { width: 1, height: 2, data: new Uint8Array([255, 100, 3, 10, 11, 0]) };
  // 255·0.35 = 89.25 → 89; 100·0.35 = 35; 3·0.35 = 1.05 → 1; 10·0.35 = 3.5 → 3; 11·0.35 = 3.85 → 3
  assert.deepEqual([...colourContrast(img, 0.35).data], [89, 35, 1, 3, 3, 0]);
});

test('colourNoise() at variance 0.001 adds noise of the size the YCbCr scaling implies', () => {
  const grey: RgbImage = { width: 128, height: 128, data: new Uint8Array(128 * 128 * 3).fill(128) };
  const out = colourNoise(grey, 0.001, createRng('noise'));
  // σY = √0.001·255·255/219 ≈ 9.39, σCr = √0.001·255·255/224 ≈ 9.18; σR = √(9.39² + (1.403·9.18)²) ≈ 15.9
  const { mean, std } = channelStats(out, 0);
  assert.ok(std > 14.5 && std < 17.5, `std ${std}`);
  // Truncation lowers the mean by about 0.5.
  assert.ok(Math.abs(mean - 127.5) < 1, `mean ${mean}`);
});

test('blur() smooths a step edge and leaves flat areas alone', () => {
  const width = 40;
  const data = new Uint8Array(width * 10 * 3);
  for (let y = 0; y < 10; y++)
    for (let x = 20; x < width; x++) data.fill(255, (y * width + x) * 3, (y * width + x) * 3 + 3);
  const out = blur({ width, height: 10, data }, 7);
  const at = (x: number) => out.data[(5 * width + x) * 3]!;
  assert.equal(at(0), 0);
  assert.equal(at(39), 255);
  assert.ok(at(19) > 0 && at(19) < 128 && at(20) > 128 && at(20) < 255);
});

test('jpegStyle() by 2 flattens a one-pixel checkerboard to its average', () => {
  const data = new Uint8Array(8 * 8 * 3);
  for (let y = 0; y < 8; y++)
    for (let x = 0; x < 8; x++) if ((x + y) % 2) data.fill(254, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
  const out = jpegStyle({ width: 8, height: 8, data }, 2);
  assert.ok(out.data.every((v) => v === 127));
});

test('applyDistortion() at level 0 returns the very same image', () => {
  const img = randomImage('zero');
  assert.equal(applyDistortion(img, 'GB', 0, createRng(1)), img);
});
