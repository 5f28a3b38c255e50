/**
 * Hand-made colour and shape features of a street image (cone orange, sign yellow, striped barrels,
 * edge structure), meant to sit beside a pretrained backbone's embedding, never instead of one.
 */
import type { RgbImage } from '../predictor/types.js';

/** Length of `colourShapeFeatures`' output. */
export const COLOUR_SHAPE_DIMS = 140;

/** Bumped whenever the features change, so cached embeddings and heads are not mixed up. */
export const COLOUR_SHAPE_VERSION = 'cs1';

const GRID = 4;

/** Hue in degrees [0, 360), saturation and value in [0, 1]. */
function hsv(r: number, g: number, b: number): [number, number, number] {
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const d = max - min;
  let h = 0;
  if (d > 0) {
    if (max === r) h = 60 * (((g - b) / d + 6) % 6);
    else if (max === g) h = 60 * ((b - r) / d + 2);
    else h = 60 * ((r - g) / d + 4);
  }
  return [h, max === 0 ? 0 : d / max, max / 255];
}

/** Traffic orange: cones, barrels, work-zone signs. */
function isOrange(h: number, s: number, v: number): boolean {
  return h >= 5 && h <= 35 && s >= 0.55 && v >= 0.35;
}

/** Sign yellow / amber. */
function isYellow(h: number, s: number, v: number): boolean {
  return h > 35 && h <= 65 && s >= 0.5 && v >= 0.4;
}

/** Retro-reflective white stripes. */
function isWhite(s: number, v: number): boolean {
  return s < 0.2 && v > 0.75;
}

/**
 * 140 features in [0, ~1]: per 4×4 cell the square-root fractions of orange and yellow pixels, mean
 * saturation, orange↔white vertical transitions (striped barrels and cones) and edge strength (80);
 * a saturation-weighted hue histogram (12), saturation and value histograms (8 + 8), an edge
 * orientation histogram (8), and orange/yellow fractions by image row band (8 + 8), and 8 global
 * summaries. Deterministic, no allocation beyond the output and a few small arrays.
 */
export function colourShapeFeatures(image: RgbImage): Float32Array {
  const { width: w, height: h, data } = image;
  const n = w * h;
  const hue = new Float32Array(n);
  const sat = new Float32Array(n);
  const val = new Float32Array(n);
  const kind = new Uint8Array(n); // 1 orange, 2 yellow, 3 white
  for (let i = 0; i < n; i++) {
    const [hh, ss, vv] = hsv(data[3 * i]!, data[3 * i + 1]!, data[3 * i + 2]!);
    hue[i] = hh;
    sat[i] = ss;
    val[i] = vv;
    kind[i] = isOrange(hh, ss, vv) ? 1 : isYellow(hh, ss, vv) ? 2 : isWhite(ss, vv) ? 3 : 0;
  }
  const cells = GRID * GRID;
  const orange = new Float64Array(cells);
  const yellow = new Float64Array(cells);
  const satSum = new Float64Array(cells);
  const stripes = new Float64Array(cells);
  const edges = new Float64Array(cells);
  const count = new Float64Array(cells);
  const hueHist = new Float64Array(12);
  const satHist = new Float64Array(8);
  const valHist = new Float64Array(8);
  const orient = new Float64Array(8);
  const bandOrange = new Float64Array(8);
  const bandYellow = new Float64Array(8);
  let edgeTotal = 0;
  for (let y = 0; y < h; y++) {
    const cy = Math.min(GRID - 1, Math.floor((y * GRID) / h));
    const band = Math.min(7, Math.floor((y * 8) / h));
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const c = cy * GRID + Math.min(GRID - 1, Math.floor((x * GRID) / w));
      const k = kind[i]!;
      count[c]! += 1;
      satSum[c]! += sat[i]!;
      if (k === 1) {
        orange[c]! += 1;
        bandOrange[band]! += 1;
      } else if (k === 2) {
        yellow[c]! += 1;
        bandYellow[band]! += 1;
      }
      if (y > 0) {
        const up = kind[i - w]!;
        if ((k === 1 && up === 3) || (k === 3 && up === 1)) stripes[c]! += 1;
      }
      hueHist[Math.min(11, Math.floor(hue[i]! / 30))]! += sat[i]!;
      satHist[Math.min(7, Math.floor(sat[i]! * 8))]! += 1;
      valHist[Math.min(7, Math.floor(val[i]! * 8))]! += 1;
      if (x > 0 && y > 0 && x < w - 1 && y < h - 1) {
        const gx = val[i + 1]! - val[i - 1]!;
        const gy = val[i + w]! - val[i - w]!;
        const m = Math.hypot(gx, gy);
        edges[c]! += m;
        edgeTotal += m;
        if (m > 0.08) {
          const a = Math.atan2(gy, gx);
          orient[Math.min(7, Math.floor(((a + Math.PI) / (2 * Math.PI)) * 8))]! += 1;
        }
      }
    }
  }
  const out = new Float32Array(COLOUR_SHAPE_DIMS);
  let o = 0;
  const push = (v: number) => (out[o++] = v);
  for (let c = 0; c < cells; c++) {
    const m = Math.max(1, count[c]!);
    push(Math.sqrt(orange[c]! / m));
    push(Math.sqrt(yellow[c]! / m));
    push(satSum[c]! / m);
    // Transitions per column of the cell, so the value does not grow with the image size.
    push(Math.sqrt(stripes[c]! / Math.max(1, w / GRID)) / 4);
    push((edges[c]! / m) * 4);
  }
  const hueTotal = hueHist.reduce((a, b) => a + b, 0) || 1;
  for (const v of hueHist) push(v / hueTotal);
  for (const v of satHist) push(v / n);
  for (const v of valHist) push(v / n);
  const orientTotal = orient.reduce((a, b) => a + b, 0) || 1;
  for (const v of orient) push(v / orientTotal);
  const bandSize = n / 8;
  for (const v of bandOrange) push(Math.sqrt(v / bandSize));
  for (const v of bandYellow) push(Math.sqrt(v / bandSize));
  const totalOrange = orange.reduce((a, b) => a + b, 0) / n;
  const totalYellow = yellow.reduce((a, b) => a + b, 0) / n;
  const totalStripes = stripes.reduce((a, b) => a + b, 0) / w;
  push(Math.sqrt(totalOrange));
  push(Math.sqrt(totalYellow));
  push(Math.sqrt(totalStripes) / 4);
  push(Math.max(...orange.map((v, c) => v / Math.max(1, count[c]!))));
  push(Math.max(...yellow.map((v, c) => v / Math.max(1, count[c]!))));
  push((edgeTotal / n) * 4);
  push(sat.reduce((a, b) => a + b, 0) / n);
  push(val.reduce((a, b) => a + b, 0) / n);
  return out;
}
