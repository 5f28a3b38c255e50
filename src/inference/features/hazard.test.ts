// Hazard features: small patches of warning colours anywhere in the frame, on an 8×8 grid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAZARD_DIMS, extrasDims, extrasVersion, hazardFeatures, putExtras } from './index.js';

type Rgb = [number, number, number];
const ROAD: Rgb = [120, 120, 120];
const RED: Rgb = [220, 20, 20];
const ORANGE: Rgb = [255, 110, 0];
const YELLOW: Rgb = [240, 210, 0];
const FLUO: Rgb = [200, 250, 40];
const GRASS: Rgb = [70, 140, 40];

function frame(w: number, h: number, paint: (x: number, y: number) => Rgb | undefined) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set(paint(x, y) ?? ROAD, (y * w + x) * 3);
  }
  return { width: w, height: h, data };
}

/** Where each colour's three features start (see hazardFeatures' doc). */
const at = { red: 0, orange: 3, yellow: 6, fluo: 9 };

test('hazardFeatures() is all zero on an empty road and on grass', () => {
  for (const colour of [ROAD, GRASS]) {
    const f = hazardFeatures(frame(224, 224, () => colour));
    assert.equal(f.length, HAZARD_DIMS);
    assert.ok(
      f.every((v) => v === 0),
      Array.from(f).join(', '),
    );
  }
});

test('a small fluorescent patch fills a quarter of one 8×8 cell, and only the fluorescent features', () => {
  // 14×14 px inside the bottom-right 28×28 cell.
  const f = hazardFeatures(
    frame(224, 224, (x, y) => (x >= 200 && x < 214 && y >= 200 && y < 214 ? FLUO : undefined)),
  );
  assert.ok(Math.abs(f[at.fluo]! - Math.sqrt(0.25)) < 1e-6, `largest cell ${f[at.fluo]}`);
  assert.equal(f[at.fluo + 1], 0);
  assert.equal(f[at.fluo + 2], 1 / 64);
  for (const other of [at.red, at.orange, at.yellow]) {
    assert.deepEqual(Array.from(f.subarray(other, other + 3)), [0, 0, 0]);
  }
});

test('two distant cones: the largest and second largest cells, and the cells holding orange', () => {
  // 4×6 px and 2×3 px of orange (24 and 6 of a 28×28 cell's 784 pixels); a speck of 1 px is under 2 %.
  const f = hazardFeatures(
    frame(224, 224, (x, y) =>
      (x >= 30 && x < 34 && y >= 120 && y < 126) ||
      (x >= 150 && x < 152 && y >= 125 && y < 128) ||
      (x === 5 && y === 5)
        ? ORANGE
        : undefined,
    ),
  );
  assert.ok(Math.abs(f[at.orange]! - Math.sqrt(24 / 784)) < 1e-6);
  assert.ok(Math.abs(f[at.orange + 1]! - Math.sqrt(6 / 784)) < 1e-6);
  assert.equal(f[at.orange + 2], 1 / 64, 'only the larger cone reaches 2 % of its cell');
  assert.equal(f[at.red], 0);
});

test('cells follow the frame on any size: a red top quarter of a 200×100 frame fills 16 cells', () => {
  const f = hazardFeatures(frame(200, 100, (_, y) => (y < 25 ? RED : undefined)));
  assert.equal(f[at.red], 1);
  assert.equal(f[at.red + 1], 1);
  assert.equal(f[at.red + 2], 16 / 64);
  assert.equal(f[at.yellow], 0);
  // On a frame of 6×6 pixels, two of each side's eight cells hold no pixel: 36 cells hold yellow.
  const tiny = hazardFeatures(frame(6, 6, () => YELLOW));
  assert.deepEqual(Array.from(tiny.subarray(at.yellow, at.yellow + 3)), [1, 1, 36 / 64]);
});

test('the features join the extras as "hazard"', () => {
  assert.equal(extrasDims(['colour-shape', 'hazard']), 140 + HAZARD_DIMS);
  assert.equal(extrasVersion(['colour-shape', 'hazard']), '+cs1+hz1');
  const image = frame(64, 48, (x) => (x < 8 ? YELLOW : undefined));
  const out = new Float32Array(2 + HAZARD_DIMS);
  putExtras(['hazard'], image, out, 2);
  assert.deepEqual(Array.from(out.subarray(2)), Array.from(hazardFeatures(image)));
});
