// Hazard features: small patches of warning colours anywhere, and stripes along rows and columns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HAZARD_DIMS, extrasDims, extrasVersion, hazardFeatures, putExtras } from './index.js';

type Rgb = [number, number, number];
const ROAD: Rgb = [120, 120, 120];
const RED: Rgb = [220, 20, 20];
const WHITE: Rgb = [250, 250, 250];
const YELLOW: Rgb = [240, 210, 0];
const BLACK: Rgb = [10, 10, 10];
const FLUO: Rgb = [200, 250, 40];

function frame(w: number, h: number, paint: (x: number, y: number) => Rgb | undefined) {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set(paint(x, y) ?? ROAD, (y * w + x) * 3);
  }
  return { width: w, height: h, data };
}

// Output layout (see hazardFeatures' doc).
const grid = { red: 0, orange: 3, yellow: 6, fluo: 9 };
const finest = { red: 12, fluo: 15 };
const bands = { red: 16, fluo: 20 };
const share = { red: 24, fluo: 25, white: 26, black: 27 };
const stripes = { rows: 28, columns: 31 };
const events = (v: number) => Math.round(Math.expm1(v * 3));

test('hazardFeatures() is all zero on an empty road', () => {
  const f = hazardFeatures(frame(224, 224, () => undefined));
  assert.equal(f.length, HAZARD_DIMS);
  assert.ok(
    f.every((v) => v === 0),
    Array.from(f).join(', '),
  );
});

test('a small fluorescent patch fills one fine cell, in its quarter of the height', () => {
  // 14×14 px at the bottom right: half of one 28×28 cell's side, a quarter of its pixels.
  const f = hazardFeatures(
    frame(224, 224, (x, y) => (x >= 200 && x < 214 && y >= 200 && y < 214 ? FLUO : undefined)),
  );
  assert.ok(Math.abs(f[grid.fluo]! - Math.sqrt(0.25)) < 1e-6, `largest cell ${f[grid.fluo]}`);
  assert.equal(f[grid.fluo + 1], 0);
  assert.equal(f[grid.fluo + 2], 1 / 64);
  // On the 16×16 grid (14 px cells) the patch straddles four; the largest holds 10×10 of it.
  assert.ok(Math.abs(f[finest.fluo]! - Math.sqrt(100 / 196)) < 1e-6, `finest ${f[finest.fluo]}`);
  assert.equal(f[finest.red], 0);
  assert.equal(f[grid.red], 0);
  assert.deepEqual(Array.from(f.subarray(bands.fluo, bands.fluo + 3)), [0, 0, 0]);
  assert.ok(f[bands.fluo + 3]! > 0);
  assert.ok(Math.abs(f[share.fluo]! - Math.sqrt(196 / 224 ** 2)) < 1e-6);
  // Other reds, oranges and yellows stay out of it.
  for (const at of [grid.red, grid.orange, grid.yellow]) assert.equal(f[at], 0);
});

test('a red/white board with vertical stripes gives stripe events along rows, not columns', () => {
  // 8 stripes 6 px wide across x 60…108, rows 100…119: 20 rows × 2 events (8 runs = two of four).
  const board = (x: number, y: number) =>
    x >= 60 && x < 108 && y >= 100 && y < 120 ? (Math.floor((x - 60) / 6) % 2 ? WHITE : RED) : undefined;
  const f = hazardFeatures(frame(224, 224, board));
  assert.equal(events(f[stripes.rows]!), 40);
  assert.equal(f[stripes.columns], 0);
  for (const pair of [1, 2]) assert.equal(f[stripes.rows + pair], 0, `pair ${pair}`);
  assert.ok(f[share.red]! > 0 && f[share.white]! > 0);

  // The same board turned (horizontal stripes) gives events along columns.
  const turned = hazardFeatures(frame(224, 224, (x, y) => board(y, x)));
  assert.equal(turned[stripes.rows], 0);
  assert.equal(events(turned[stripes.columns]!), 40);
});

test('stripe counts are per 224 lines, and a one-pixel blend between stripes does not break them', () => {
  // Yellow/black chevron-like stripes 12 px wide with a grey pixel between each pair, on a 448×448 frame.
  const board = (x: number, y: number) => {
    if (x < 100 || x >= 100 + 8 * 13 || y < 200 || y >= 240) return undefined;
    const at = (x - 100) % 13;
    if (at === 12) return ROAD;
    return Math.floor((x - 100) / 13) % 2 ? BLACK : YELLOW;
  };
  const f = hazardFeatures(frame(448, 448, board));
  // 40 rows × 2 events, counted per 224 rows: 40.
  assert.equal(events(f[stripes.rows + 2]!), 40);
  assert.equal(f[stripes.rows], 0);

  // Stripes wider than an eighth of the line are not stripes.
  const wide = hazardFeatures(
    frame(224, 224, (x, y) => (y < 20 ? (Math.floor(x / 30) % 2 ? RED : WHITE) : undefined)),
  );
  assert.equal(wide[stripes.rows], 0);
});

test('red counts by quarter of the height; the features join the extras as "hazard"', () => {
  const f = hazardFeatures(frame(200, 100, (_, y) => (y < 25 ? RED : undefined)));
  assert.ok(Math.abs(f[bands.red]! - 1) < 1e-6);
  assert.deepEqual(Array.from(f.subarray(bands.red + 1, bands.red + 4)), [0, 0, 0]);
  assert.equal(f[grid.red + 2], 16 / 64);

  assert.equal(extrasDims(['colour-shape', 'hazard']), 140 + HAZARD_DIMS);
  assert.equal(extrasVersion(['colour-shape', 'hazard']), '+cs1+hz1');
  const image = frame(64, 48, (x) => (x < 8 ? YELLOW : undefined));
  const out = new Float32Array(2 + HAZARD_DIMS);
  putExtras(['hazard'], image, out, 2);
  assert.deepEqual(Array.from(out.subarray(2)), Array.from(hazardFeatures(image)));
});
