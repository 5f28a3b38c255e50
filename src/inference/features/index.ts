/**
 * Hand-made colour and shape features of a street image (cone orange, sign yellow, striped barrels,
 * edge structure), meant to sit beside a pretrained backbone's embedding, never instead of one.
 */
import type { RgbImage } from '../image/index.js';
import { GRID, colourPass, edgePass, gridStarts, newSums } from './_passes.js';
import { OCTANT } from './_tables.js';
import { OBJECT_DIMS, OBJECT_VERSION, objectFeatures } from './_objects.js';
import { HAZARD_DIMS, HAZARD_VERSION, hazardFeatures } from './_hazard.js';

export { OBJECT_DIMS, OBJECT_VERSION, objectFeatures } from './_objects.js';
export { HAZARD_DIMS, HAZARD_VERSION, hazardFeatures } from './_hazard.js';

/** Length of `colourShapeFeatures`' output. */
export const COLOUR_SHAPE_DIMS = 140;

/** Bumped whenever the features change, so cached embeddings and heads are not mixed up. */
export const COLOUR_SHAPE_VERSION = 'cs1';

/**
 * 140 features in [0, ~1]: per 4×4 cell the square-root fractions of orange and yellow pixels, mean
 * saturation, orange↔white vertical transitions (striped barrels and cones) and edge strength (80);
 * a saturation-weighted hue histogram (12), saturation and value histograms (8 + 8), an edge
 * orientation histogram (8), and orange/yellow fractions by image row band (8 + 8), and 8 global
 * summaries. The same bits as the first implementation (`cs1`, kept as test/fixtures/colour-shape-cs1.ts),
 * about three times faster (bench/colour-shape.ts): lookup tables and two passes over the pixels, five
 * bytes of scratch per pixel.
 */
export function colourShapeFeatures(image: RgbImage): Float32Array {
  const { width: w, height: h } = image;
  const n = w * h;
  const xs = gridStarts(w);
  const ys = gridStarts(h);
  const s = newSums();
  const value = new Float32Array(n);
  colourPass(image, xs, { kind: new Uint8Array(n), value }, s);
  edgePass(w, h, xs, value, s);
  const { orange, yellow, satSum, stripes, edges } = s;
  const count = Float64Array.from(
    { length: GRID * GRID },
    (_, c) =>
      (ys[Math.floor(c / GRID) + 1]! - ys[Math.floor(c / GRID)]!) * (xs[(c % GRID) + 1]! - xs[c % GRID]!),
  );
  const out = new Float32Array(COLOUR_SHAPE_DIMS);
  let o = 0;
  const push = (v: number) => (out[o++] = v);
  for (let c = 0; c < GRID * GRID; c++) {
    const m = Math.max(1, count[c]!);
    push(Math.sqrt(orange[c]! / m));
    push(Math.sqrt(yellow[c]! / m));
    push(satSum[c]! / m);
    // Transitions per column of the cell, so the value does not grow with the image size.
    push(Math.sqrt(stripes[c]! / Math.max(1, w / GRID)) / 4);
    push((edges[c]! / m) * 4);
  }
  const hueTotal = s.hueHist.reduce((a, b) => a + b, 0) || 1;
  for (const v of s.hueHist) push(v / hueTotal);
  for (const v of s.satHist) push(v / n);
  for (const v of s.valHist) push(v / n);
  const orient = new Float64Array(8);
  for (let k = 0; k < OCTANT.length; k++) orient[OCTANT[k]!]! += s.orient[k]!;
  const orientTotal = orient.reduce((a, b) => a + b, 0) || 1;
  for (const v of orient) push(v / orientTotal);
  const bandSize = n / 8;
  for (const v of s.bandOrange) push(Math.sqrt(v / bandSize));
  for (const v of s.bandYellow) push(Math.sqrt(v / bandSize));
  push(Math.sqrt(orange.reduce((a, b) => a + b, 0) / n));
  push(Math.sqrt(yellow.reduce((a, b) => a + b, 0) / n));
  push(Math.sqrt(stripes.reduce((a, b) => a + b, 0) / w) / 4);
  push(Math.max(...Array.from(orange, (v, c) => v / Math.max(1, count[c]!))));
  push(Math.max(...Array.from(yellow, (v, c) => v / Math.max(1, count[c]!))));
  push((s.edgeTotal / n) * 4);
  push(s.satTotal / n);
  push(s.valTotal / n);
  return out;
}

/** The hand-made feature sets an embedder can append (`extras` of a tfjs embedder). */
export const EXTRA_NAMES = ['colour-shape', 'objects', 'hazard'] as const;
export type ExtraName = (typeof EXTRA_NAMES)[number];

const EXTRAS: Readonly<
  Record<ExtraName, { dims: number; version: string; of(image: RgbImage): Float32Array }>
> = {
  'colour-shape': { dims: COLOUR_SHAPE_DIMS, version: COLOUR_SHAPE_VERSION, of: colourShapeFeatures },
  objects: { dims: OBJECT_DIMS, version: OBJECT_VERSION, of: objectFeatures },
  hazard: { dims: HAZARD_DIMS, version: HAZARD_VERSION, of: hazardFeatures },
};

/** Values the extras add to an embedding. */
export function extrasDims(names: readonly ExtraName[]): number {
  return names.reduce((sum, name) => sum + EXTRAS[name].dims, 0);
}

/** What the extras add to an embedder's version: `+cs1`, `+cs1+ob1`, or nothing. */
export function extrasVersion(names: readonly ExtraName[]): string {
  return names.map((name) => `+${EXTRAS[name].version}`).join('');
}

/** Writes the extras of `image` into `out` from index `at`, in the order named. */
export function putExtras(names: readonly ExtraName[], image: RgbImage, out: Float32Array, at: number): void {
  for (const name of names) {
    const values = EXTRAS[name].of(image);
    out.set(values, at);
    at += values.length;
  }
}
