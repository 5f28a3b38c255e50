// The two passes over an image's pixels behind the colour-shape features, and what they sum.
import type { RgbImage } from '../image/index.js';
import {
  CAN_ORANGE,
  CAN_WHITE,
  CAN_YELLOW,
  HUE,
  OCTANT,
  SAT,
  SAT_FLAGS,
  VALUE,
  VALUE_BIN,
  hueIndex,
  satIndex,
  sector,
} from './_tables.js';

/** Cells per side of the grid. */
export const GRID = 4;

const ORANGE = 1;
const YELLOW = 2;
const WHITE = 3;
/** The slot of `orient` that counts gradients too weak for the orientation histogram. */
const WEAK = OCTANT.length;

/**
 * Sums of one image. Floating sums get their terms in `cs1`'s order (row by row), so they are
 * the same bits; counts are integers, exact as `cs1`'s float64 sums of ones were.
 */
export interface Sums {
  readonly orange: Int32Array;
  readonly yellow: Int32Array;
  readonly stripes: Int32Array;
  readonly satSum: Float64Array;
  readonly edges: Float64Array;
  readonly hueHist: Float64Array;
  readonly satHist: Int32Array;
  readonly valHist: Int32Array;
  /** Gradients counted by OCTANT sector, plus the WEAK slot. */
  readonly orient: Int32Array;
  readonly bandOrange: Int32Array;
  readonly bandYellow: Int32Array;
  satTotal: number;
  valTotal: number;
  edgeTotal: number;
}

/** Zeroed sums. */
export function newSums(): Sums {
  const cells = GRID * GRID;
  return {
    orange: new Int32Array(cells),
    yellow: new Int32Array(cells),
    stripes: new Int32Array(cells),
    satSum: new Float64Array(cells),
    edges: new Float64Array(cells),
    hueHist: new Float64Array(12),
    satHist: new Int32Array(8),
    valHist: new Int32Array(8),
    orient: new Int32Array(OCTANT.length + 1),
    bandOrange: new Int32Array(8),
    bandYellow: new Int32Array(8),
    satTotal: 0,
    valTotal: 0,
    edgeTotal: 0,
  };
}

/**
 * Where each grid cell starts along a side of `size` pixels, then the side's end (GRID + 1 values);
 * a cell too narrow to hold a pixel starts where the next one does.
 */
export function gridStarts(size: number): Int32Array {
  const starts = new Int32Array(GRID + 1);
  for (let c = 0, p = 0; c <= GRID; c++) {
    while (p < size && Math.floor((p * GRID) / size) < c) p++;
    starts[c] = p;
  }
  return starts;
}

/** The first grid cell of row `y` of `h`. */
function rowCell(y: number, h: number): number {
  return Math.min(GRID - 1, Math.floor((y * GRID) / h)) * GRID;
}

/**
 * Colour pass, row by row and, within a row, cell by cell: each pixel's colour class (into `kind`)
 * and value (into `value`), the colour sums and histograms, orange↔white transitions with the row
 * above.
 */
export function colourPass(
  image: RgbImage,
  xs: Int32Array,
  scratch: { kind: Uint8Array; value: Float32Array },
  s: Sums,
): void {
  const { width: w, height: h, data } = image;
  const { kind, value } = scratch;
  const { orange, yellow, stripes, satSum, hueHist, satHist, valHist, bandOrange, bandYellow } = s;
  let satTotal = 0;
  let valTotal = 0;
  for (let y = 0; y < h; y++) {
    const row = rowCell(y, h);
    const band = Math.min(7, Math.floor((y * 8) / h));
    for (let cx = 0; cx < GRID; cx++) {
      const c = row + cx;
      // The cell's saturation sum stays in a local while the row crosses the cell: the same
      // additions in the same order, without a store and a reload per pixel.
      let cellSat = satSum[c]!;
      for (let i = y * w + xs[cx]!, end = y * w + xs[cx + 1]!; i < end; i++) {
        const r = data[3 * i]!;
        const g = data[3 * i + 1]!;
        const b = data[3 * i + 2]!;
        const max = r > g ? (r > b ? r : b) : g > b ? g : b;
        const d = max - (r < g ? (r < b ? r : b) : g < b ? g : b);
        const v = VALUE[max]!;
        value[i] = v;
        valTotal += v;
        valHist[VALUE_BIN[max]!]!++;
        // Grey pixels (d = 0) go through too: saturation 0 and HUE's zero entry add nothing.
        const si = satIndex(max, d);
        const sat = SAT[si]!;
        const flags = SAT_FLAGS[si]!;
        const hue = HUE[hueIndex(r, g, b, max, d)]!;
        cellSat += sat;
        satTotal += sat;
        hueHist[hue & 15]! += sat;
        satHist[flags & 7]!++;
        const both = flags & hue;
        const k = both & CAN_ORANGE ? ORANGE : both & CAN_YELLOW ? YELLOW : flags & CAN_WHITE ? WHITE : 0;
        kind[i] = k;
        if (k === 0) continue;
        if (k === ORANGE) {
          orange[c]!++;
          bandOrange[band]!++;
        } else if (k === YELLOW) {
          yellow[c]!++;
          bandYellow[band]!++;
        }
        if (y > 0 && k !== YELLOW && k + kind[i - w]! === ORANGE + WHITE) stripes[c]!++;
      }
      satSum[c] = cellSat;
    }
  }
  s.satTotal = satTotal;
  s.valTotal = valTotal;
}

/** Edge pass: central-difference gradients of the value channel inside the one-pixel border. */
export function edgePass(w: number, h: number, xs: Int32Array, value: Float32Array, s: Sums): void {
  const { edges, orient } = s;
  let edgeTotal = 0;
  for (let y = 1; y < h - 1; y++) {
    const row = rowCell(y, h);
    for (let cx = 0; cx < GRID; cx++) {
      const c = row + cx;
      let cellEdges = edges[c]!; // held in a local, as `cellSat` in colourPass
      for (let i = y * w + Math.max(1, xs[cx]!), end = y * w + Math.min(w - 1, xs[cx + 1]!); i < end; i++) {
        const gx = value[i + 1]! - value[i - 1]!;
        const gy = value[i + w]! - value[i - w]!;
        const ax = Math.abs(gx);
        const ay = Math.abs(gy);
        const big = Math.max(ax, ay);
        // Math.hypot(gx, gy) as V8 computes it, big × √(1 + (small/big)²): the same bits without the
        // builtin's call (√(gx² + gy²) differs in the last bit). Adding 1e-300 keeps 0/0 out of a
        // flat spot and changes no other quotient: a non-zero gradient is at least 2^-32.
        const q = Math.min(ax, ay) / (big + 1e-300);
        const m = Math.sqrt(1 + q * q) * big;
        cellEdges += m;
        edgeTotal += m;
        // Counted without a branch: a weak gradient goes to the WEAK slot.
        const strong = Number(m > 0.08);
        orient[WEAK + strong * (sector(gx, gy, ax, ay) - WEAK)]!++;
      }
      edges[c] = cellEdges;
    }
  }
  s.edgeTotal = edgeTotal;
}
