/**
 * Hazard features: warning colours in small patches anywhere in the frame. The colour-shape features
 * count orange and yellow per cell of a 4×4 grid, where a distant cone fills a sliver of its cell;
 * these look at an 8×8 grid, and at red (warning boards) and fluorescent yellow-green (hi-vis vests)
 * beside orange and yellow.
 */
import type { RgbImage } from '../image/index.js';

/** Length of `hazardFeatures`' output. */
export const HAZARD_DIMS = 12;

/** Bumped whenever the features change, so cached embeddings and heads are not mixed up. */
export const HAZARD_VERSION = 'hz1';

const OTHER = 0;
const RED = 1;
const ORANGE = 2;
const YELLOW = 3;
const FLUO = 4;
/** The colours, in output order. */
const COLOURS = 4;

/** Cells per side of the grid. */
const GRID = 8;
/** A cell "holds" a colour from this share of its pixels. */
const HOLDS = 0.02;

/**
 * 12 features in [0, 1]: for red, orange, yellow and fluorescent yellow-green in turn, on an 8×8 grid,
 * the square roots of the largest and second largest cell share of the colour, and the share of cells
 * holding 2 % or more of it. Beside the colour-shape features they raise the web photos and lower
 * the in-car families, so the starter does not use them (EXPERIMENTS.md "Session 32", which also has
 * the stripe, row-band and finer-grid measures screened and left out).
 */
export function hazardFeatures(image: RgbImage): Float32Array {
  const { width: w, height: h, data } = image;
  const counts = new Int32Array(GRID * GRID * COLOURS);
  const pixels = new Int32Array(GRID * GRID);
  for (let y = 0; y < h; y++) {
    const row = Math.floor((y * GRID) / h) * GRID;
    for (let x = 0; x < w; x++) {
      const c = row + Math.floor((x * GRID) / w);
      const i = 3 * (y * w + x);
      const k = colourOf(data[i]!, data[i + 1]!, data[i + 2]!);
      pixels[c]!++;
      if (k !== OTHER) counts[(k - RED) * GRID * GRID + c]!++;
    }
  }
  const out = new Float32Array(HAZARD_DIMS);
  for (let colour = 0; colour < COLOURS; colour++) {
    let first = 0;
    let second = 0;
    let holding = 0;
    for (let c = 0; c < GRID * GRID; c++) {
      const share = counts[colour * GRID * GRID + c]! / Math.max(1, pixels[c]!);
      if (share > first) [first, second] = [share, first];
      else if (share > second) second = share;
      if (share >= HOLDS) holding++;
    }
    out.set([Math.sqrt(first), Math.sqrt(second), holding / (GRID * GRID)], colour * 3);
  }
  return out;
}

/** A pixel's warning colour by hue, saturation and value, or OTHER. */
function colourOf(r: number, g: number, b: number): number {
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  const v = max / 255;
  if (v < 0.3 || d / max < 0.5) return OTHER;
  const s = d / max;
  const hue =
    max === r
      ? (60 * ((g - b) / d) + 360) % 360
      : max === g
        ? 60 * ((b - r) / d + 2)
        : 60 * ((r - g) / d + 4);
  if (hue < 8 || hue >= 340) return RED;
  if (hue < 35) return s >= 0.55 && v >= 0.35 ? ORANGE : OTHER;
  if (hue < 62) return v >= 0.4 ? YELLOW : OTHER;
  if (hue < 90) return s >= 0.55 && v >= 0.7 ? FLUO : OTHER;
  return OTHER;
}
