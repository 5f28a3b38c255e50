import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleRegion, type TensorTarget } from './index.js';

const UNIT = { mean: [0, 0, 0], std: [1, 1, 1] } as const;

/** A 3-plane target of `w × h`, pre-filled with -9 so untouched values show. */
function target(w: number, h: number, extra: Partial<TensorTarget> = {}): TensorTarget {
  const t = { planeWidth: w, planeHeight: h, outWidth: w, outHeight: h, offset: 0, ...UNIT, ...extra };
  return { ...t, out: extra.out ?? new Float32Array(t.offset + 3 * t.planeWidth * t.planeHeight).fill(-9) };
}

function close(actual: ArrayLike<number>, expected: readonly number[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-6, `[${i}] ${actual[i]} ≠ ${expected[i]}`);
  }
}

// 2×2 RGB: red, green / blue, white.
const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);

test('sampleRegion() copies a same-size region pixel for pixel into planar RGB, scaled to [0, 1]', () => {
  const t = target(2, 2);
  sampleRegion(rgb, 2, 2, { x: 0, y: 0, width: 2, height: 2 }, t);
  // Planes R, G, B, each row-major.
  close(t.out, [1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 1]);
});

test('sampleRegion() averages at half-pixel centres when it shrinks: 2×2 into 1×1 is the mean', () => {
  const t = target(1, 1);
  sampleRegion(rgb, 2, 2, { x: 0, y: 0, width: 2, height: 2 }, t);
  close(t.out, [0.5, 0.5, 0.5]);
  // A 4-pixel row of 0, 100, 200, 255 red into 2: bilinear at x = 0.5 and 2.5.
  const row = new Uint8Array([0, 0, 0, 100, 0, 0, 200, 0, 0, 255, 0, 0]);
  const t2 = target(2, 1);
  sampleRegion(row, 4, 1, { x: 0, y: 0, width: 4, height: 1 }, t2);
  close(t2.out.subarray(0, 2), [50 / 255, 227.5 / 255]);
});

test('sampleRegion() normalises each channel by mean and std, and writes BGR planes when asked', () => {
  const t = target(2, 2, { mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2], order: 'bgr' });
  sampleRegion(rgb, 2, 2, { x: 0, y: 0, width: 2, height: 2 }, t);
  // Plane 0 is the blue channel with the first mean/std, plane 2 the red with the last.
  const blue = [0, 0, 1, 1].map((v) => (v - 0.5) / 0.5);
  const green = [0, 1, 0, 1].map((v) => (v - 0.25) / 0.25);
  const red = [1, 0, 0, 1].map((v) => v / 2);
  close(t.out, [...blue, ...green, ...red]);
});

test('sampleRegion() writes only the top-left out size at the offset, leaving padding and the rest as they were', () => {
  const t = target(3, 2, { outWidth: 1, outHeight: 1, offset: 2, out: new Float32Array(2 + 18).fill(-9) });
  sampleRegion(rgb, 2, 2, { x: 1, y: 1, width: 1, height: 1 }, t);
  // The region is the white pixel; each plane gets it at its first cell after the offset.
  const out = Array.from(t.out);
  assert.deepEqual(out.slice(0, 2), [-9, -9]);
  for (const plane of [0, 1, 2]) {
    const at = 2 + plane * 6;
    assert.equal(out[at], 1);
    assert.ok(out.slice(at + 1, at + 6).every((v) => v === -9));
  }
});

test('sampleRegion() clamps samples at the image edge instead of reading past it', () => {
  const t = target(4, 1);
  const line = new Uint8Array([0, 0, 0, 255, 0, 0]);
  // A region wider than the image: samples left of 0 and right of the last pixel repeat the edge.
  sampleRegion(line, 2, 1, { x: -1, y: 0, width: 4, height: 1 }, t);
  close(t.out.subarray(0, 4), [0, 0, 1, 1]);
});
