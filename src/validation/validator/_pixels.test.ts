import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flipHorizontal, flipVertical, gaussianBlur, resizeLinearNoAntialias, rotate } from './_pixels.js';
import type { RgbImage } from '../../inference/image/index.js';

// A w×h image whose pixel (x, y) is (x, y, 10·y + x): every pixel tells where it came from.
function coords(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([x, y, 10 * y + x], (y * width + x) * 3);
  }
  return { width, height, data };
}

function pixel(img: RgbImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return [...img.data.subarray(o, o + 3)];
}

test('flipVertical() moves row y to row h-1-y and keeps columns', () => {
  const img = coords(3, 2);
  const flipped = flipVertical(img);
  assert.deepEqual(pixel(flipped, 0, 0), [0, 1, 10]);
  assert.deepEqual(pixel(flipped, 2, 1), [2, 0, 2]);
  assert.deepEqual(flipVertical(flipped).data, img.data);
});

test('flipHorizontal() moves column x to column w-1-x and keeps rows', () => {
  const img = coords(3, 2);
  const flipped = flipHorizontal(img);
  assert.deepEqual(pixel(flipped, 0, 0), [2, 0, 2]);
  assert.deepEqual(pixel(flipped, 2, 1), [0, 1, 10]);
  assert.deepEqual(flipHorizontal(flipped).data, img.data);
});

test('rotate() by 0 degrees is the identity with either interpolation', () => {
  const img = coords(7, 5);
  assert.deepEqual(rotate(img, 0, { interpolation: 'nearest' }).data, img.data);
  assert.deepEqual(rotate(img, 0, { interpolation: 'bilinear' }).data, img.data);
});

test('rotate() by 90 degrees turns counter-clockwise about the centre like torchvision', () => {
  const img = coords(3, 3);
  const out = rotate(img, 90, { interpolation: 'nearest' });
  // Counter-clockwise: the right-middle pixel (2, 1) lands on the top-middle (1, 0).
  assert.deepEqual(pixel(out, 1, 0), [2, 1, 12]);
  // The top-left corner (0, 0) lands on the bottom-left (0, 2).
  assert.deepEqual(pixel(out, 0, 2), [0, 0, 0]);
  assert.deepEqual(pixel(out, 1, 1), [1, 1, 11]);
});

test('rotate() fills the uncovered corners with black and computes only the asked region', () => {
  const img: RgbImage = { width: 20, height: 20, data: new Uint8Array(20 * 20 * 3).fill(200) };
  const out = rotate(img, 45, { interpolation: 'nearest' });
  assert.deepEqual(pixel(out, 0, 0), [0, 0, 0]);
  assert.deepEqual(pixel(out, 10, 10), [200, 200, 200]);
  const region = rotate(img, 45, { region: { top: 5, left: 5, width: 4, height: 3 } });
  assert.equal(region.data.length, 4 * 3 * 3);
});

test('resizeLinearNoAntialias() halves by averaging pixel pairs like cv2 INTER_LINEAR', () => {
  const img: RgbImage = {
    width: 4,
    height: 1,
    data: new Uint8Array([0, 0, 0, 100, 100, 100, 50, 50, 50, 51, 51, 51]),
  };
  const out = resizeLinearNoAntialias(img, 2, 1);
  assert.deepEqual([...out.data], [50, 50, 50, 51, 51, 51]);
});

test('gaussianBlur() keeps a flat image flat and spreads an impulse symmetrically', () => {
  const flat: RgbImage = { width: 9, height: 9, data: new Uint8Array(9 * 9 * 3).fill(77) };
  assert.ok(gaussianBlur(flat, 7, 7 / 6).data.every((v) => v === 77));
  const impulse = new Uint8Array(9 * 9 * 3);
  impulse.set([255, 255, 255], (4 * 9 + 4) * 3);
  const out = gaussianBlur({ width: 9, height: 9, data: impulse }, 7, 7 / 6);
  const centre = pixel(out, 4, 4)[0]!;
  assert.ok(centre < 255 && centre > 0);
  assert.equal(pixel(out, 3, 4)[0], pixel(out, 5, 4)[0]);
  assert.equal(pixel(out, 4, 3)[0], pixel(out, 4, 5)[0]);
  assert.ok(pixel(out, 3, 4)[0]! < centre);
});
