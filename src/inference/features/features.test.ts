// Colour/shape features respond to traffic orange and orange-white stripes where they are, and nowhere
// else; and the fast implementation gives the numbers of the first one (`cs1`, the oracle in test/fixtures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { colourShapeFeaturesCs1 } from '../../../test/fixtures/colour-shape-cs1.js';
import { photosMissing, requirement } from '../../../test/fixtures/requirements.js';
import { generateScene } from '../../data/procedural/index.js';
import { augmentImage } from '../../validation/validator/index.js';
import { createRng } from '../../core/random/index.js';
import { decodeRgb } from '../image/index.js';
import { openImageFolder } from '../../data/sources/index.js';
import { COLOUR_SHAPE_DIMS, colourShapeFeatures } from './index.js';

const REAL = join(fileURLToPath(new URL('../../../../shared/data/', import.meta.url)), 'roadwork-real-train');

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

/** Images that reach every branch: noise, flat grey, saturated blocks, checkerboards, odd sizes. */
function probes(): { width: number; height: number; data: Uint8Array }[] {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  const noise = (w: number, h: number) => ({
    width: w,
    height: h,
    data: Uint8Array.from({ length: w * h * 3 }, rand),
  });
  return [
    noise(1, 1),
    noise(3, 2),
    noise(5, 7),
    noise(97, 61),
    image(() => [0, 0, 0], 9),
    image(() => [200, 200, 200], 9),
    image((x, y) => ((x + y) % 2 ? [255, 255, 255] : [255, 120, 0]), 33),
    image((x, y) => ((x ^ y) & 4 ? [250, 200, 10] : [30, 30, 30]), 40),
    image((x, y) => [(x * 37) & 255, (y * 53) & 255, ((x + y) * 11) & 255], 50),
  ];
}

test('colourShapeFeatures() gives the first implementation’s numbers (cs1) on synthetic scenes and probes', () => {
  const images = [
    ...probes(),
    ...Array.from({ length: 12 }, (_, i) => {
      const s = generateScene(createRng(`cs1-${i}`), {
        roadwork: i % 2 === 0,
        width: 180 + 9 * i,
        height: 224 - 5 * i,
      });
      return { width: s.width, height: s.height, data: s.rgb };
    }),
  ];
  const worst = worstDiff(images);
  assert.ok(worst <= 1e-6, `max abs diff ${worst}`);
});

test(
  'colourShapeFeatures() gives the first implementation’s numbers (cs1) on real photos, whole and as 224² views',
  { timeout: 120_000, skip: requirement(photosMissing(REAL)) },
  async () => {
    const source = await openImageFolder(REAL);
    const images = [];
    for (const img of [...source.images.slice(0, 12), ...source.images.slice(-12)]) {
      const bytes = await img.load();
      images.push(await decodeRgb(bytes));
      images.push(
        await decodeRgb((await augmentImage(bytes, createRng(`cs1|${img.id}`), { level: 2 })).jpeg),
      );
    }
    const worst = worstDiff(images);
    assert.ok(worst <= 1e-6, `max abs diff ${worst}`);
  },
);

/** Largest |new − cs1| over every feature of every image. */
function worstDiff(images: readonly { width: number; height: number; data: Uint8Array }[]): number {
  let worst = 0;
  for (const img of images) {
    const [a, b] = [colourShapeFeatures(img), colourShapeFeaturesCs1(img)];
    assert.equal(a.length, b.length);
    a.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[j]!))));
  }
  return worst;
}
