// Colour/shape features respond to traffic orange and orange-white stripes where they are, and nowhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLOUR_SHAPE_DIMS, colourShapeFeatures } from './index.js';

function image(paint: (x: number, y: number) => [number, number, number], size = 64) {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) data.set(paint(x, y), (y * size + x) * 3);
  }
  return { width: size, height: size, data };
}

test('colourShapeFeatures() sees an orange-and-white striped barrel in its grid cell only', () => {
  const grey = colourShapeFeatures(image(() => [120, 120, 120]));
  // A striped barrel in the bottom-left cell (x < 16, y ≥ 48): orange and white bands 4 px tall.
  const barrel = colourShapeFeatures(
    image((x, y) =>
      x < 16 && y >= 48 ? (Math.floor(y / 4) % 2 ? [250, 250, 250] : [255, 110, 0]) : [120, 120, 120],
    ),
  );
  assert.equal(grey.length, COLOUR_SHAPE_DIMS);
  assert.ok(barrel.every(Number.isFinite) && grey.every(Number.isFinite));
  const cell = 12 * 5; // bottom-left cell of the 4×4 grid, 5 features per cell
  assert.equal(grey[cell], 0);
  assert.ok(barrel[cell]! > 0.6, `orange fraction ${barrel[cell]}`); // sqrt(0.5)
  assert.ok(barrel[cell + 3]! > 0, 'stripes');
  assert.equal(barrel[0], 0, 'top-left cell has no orange');
  // Its global orange summary is up, yellow is not.
  assert.ok(barrel[132]! > grey[132]!);
  assert.equal(barrel[133], 0);
});
