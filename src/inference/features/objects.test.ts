// Object features count blobs (cones, barrels, signs) by size, shape and stripes, through a colour cast.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OBJECT_DIMS,
  extrasDims,
  extrasVersion,
  objectFeatures,
  putExtras,
  colourShapeFeatures,
} from './index.js';

type Rgb = [number, number, number];
const ROAD: Rgb = [120, 120, 120];
const ORANGE: Rgb = [255, 110, 0];
const WHITE: Rgb = [250, 250, 250];
const YELLOW: Rgb = [240, 210, 0];

function frame(size: number, paint: (x: number, y: number) => Rgb | undefined) {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) data.set(paint(x, y) ?? ROAD, (y * size + x) * 3);
  }
  return { width: size, height: size, data };
}

/** A cone: a triangle of orange, `tall` px high with its tip at (cx, top), white band across its middle. */
function cone(cx: number, top: number, tall: number) {
  return (x: number, y: number): Rgb | undefined => {
    const dy = y - top;
    if (dy < 0 || dy >= tall || Math.abs(x - cx) > dy / 3 + 1) return undefined;
    return dy > tall * 0.45 && dy < tall * 0.6 ? WHITE : ORANGE;
  };
}

const at = { tall: 4, wide: 5, striped: 6, low: 7, largest: 8, aspect: 9, orangeShare: 15 };
const count = (v: number) => Math.round(Math.expm1(v * 3));
/** Blobs of every size, from the size bins starting at `from`. */
const blobsOf = (f: Float32Array, from: number, bins: number) =>
  Array.from(f.subarray(from, from + bins), count).reduce((a, b) => a + b, 0);

test('objectFeatures() is all zero on an empty road and counts cones as tall, striped, low blobs', () => {
  const empty = objectFeatures(frame(224, () => undefined));
  assert.equal(empty.length, OBJECT_DIMS);
  assert.ok(
    empty.every((v) => v === 0),
    `empty road: ${Array.from(empty).join(', ')}`,
  );

  const cones = [cone(40, 150, 40), cone(110, 140, 40), cone(180, 150, 40)];
  const f = objectFeatures(frame(224, (x, y) => cones.map((c) => c(x, y)).find((v) => v !== undefined)));
  assert.ok(f.every(Number.isFinite));
  // Each cone's white band cuts it in two orange blobs; both halves of the three cones are counted.
  assert.equal(blobsOf(f, 0, 4), 6, `blobs by size: ${f.subarray(0, 4).join(', ')}`);
  assert.equal(count(f[at.striped]!), 6, 'each half sees orange, white, orange down its middle');
  assert.equal(count(f[at.low]!), 6, 'every blob sits low in the frame');
  assert.ok(count(f[at.tall]!) >= 3, `the cones' lower halves are tall: ${count(f[at.tall]!)}`);

  // A board: one wide orange bar, no stripes.
  const board = objectFeatures(
    frame(224, (x, y) => (y >= 120 && y < 140 && x >= 40 && x < 180 ? ORANGE : undefined)),
  );
  assert.equal(count(board[at.wide]!), 1);
  assert.equal(count(board[at.tall]!), 0);
  assert.equal(count(board[at.striped]!), 0);
  assert.ok(board[at.aspect]! < 0);
});

test('objectFeatures() counts yellow signs apart from orange, and ignores specks', () => {
  const sign = objectFeatures(
    frame(224, (x, y) => (Math.abs(x - 112) + Math.abs(y - 60) < 20 ? YELLOW : undefined)),
  );
  assert.equal(sign[at.orangeShare], 0);
  assert.equal(blobsOf(sign, 17, 3), 1, 'one yellow blob');
  assert.ok(sign[21]! > 0.4 && sign[21]! < 0.6, `a diamond fills about half its box: ${sign[21]}`);
  // Single orange pixels scattered over the frame are orange, but no blob.
  const specks = objectFeatures(frame(224, (x, y) => (x % 9 === 0 && y % 9 === 0 ? ORANGE : undefined)));
  assert.ok(specks[at.orangeShare]! > 0);
  assert.equal(blobsOf(specks, 0, 4), 0);
});

test("objectFeatures() finds a cone through a camera's colour cast that turns its orange yellow", () => {
  const cones = cone(112, 120, 60);
  const plain = frame(224, cones);
  // A cold cast: red down 30 %, blue up 30 %. The cone becomes (178, 110, 0): hue 37°, yellow to a
  // fixed threshold.
  const cast = {
    ...plain,
    data: plain.data.map((v, i) => (i % 3 === 0 ? v * 0.7 : i % 3 === 2 ? Math.min(255, v * 1.3) : v)),
  };
  const seen = objectFeatures(cast);
  assert.equal(blobsOf(seen, 0, 4), 2, `the cone's two blobs: ${seen.subarray(0, 4).join(', ')}`);
  assert.equal(blobsOf(seen, 17, 3), 0, 'and no yellow blob');
  assert.ok(seen[at.orangeShare]! > 0.5 * objectFeatures(plain)[at.orangeShare]!);
});

test('extras are appended in the order named, with their versions', () => {
  const img = frame(64, cone(32, 10, 40));
  assert.equal(extrasDims(['colour-shape', 'objects']), 140 + OBJECT_DIMS);
  assert.equal(extrasVersion(['colour-shape']), '+cs1', 'heads trained on +cs1 embeddings still match');
  assert.equal(extrasVersion(['objects', 'colour-shape']), '+ob1+cs1');
  assert.equal(extrasVersion([]), '');
  const out = new Float32Array(3 + extrasDims(['objects', 'colour-shape'])).fill(-1);
  putExtras(['objects', 'colour-shape'], img, out, 3);
  assert.deepEqual(Array.from(out.subarray(0, 3)), [-1, -1, -1]);
  assert.deepEqual(out.subarray(3, 3 + OBJECT_DIMS), objectFeatures(img));
  assert.deepEqual(out.subarray(3 + OBJECT_DIMS), colourShapeFeatures(img));
});
