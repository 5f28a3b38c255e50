/**
 * Hazard features: the colours and patterns of work-zone gear that the colour-shape features miss:
 * red and fluorescent yellow-green (warning boards, hi-vis vests), small patches of colour anywhere
 * in the frame (a distant cone fills a sliver of a 4×4 cell), and alternating stripes along rows and
 * columns (red/white boards, orange/white barricades, yellow/black chevrons).
 */
import type { RgbImage } from '../image/index.js';

/** Length of `hazardFeatures`' output. */
export const HAZARD_DIMS = 34;

/** Bumped whenever the features change, so cached embeddings and heads are not mixed up. */
export const HAZARD_VERSION = 'hz1';

const OTHER = 0;
const RED = 1;
const ORANGE = 2;
const YELLOW = 3;
const FLUO = 4;
const WHITE = 5;
const BLACK = 6;

/** The colours the fine grid and row bands count, in output order. */
const COLOURS = [RED, ORANGE, YELLOW, FLUO] as const;

/** Cells per side of the fine grid, and of the finest. */
const FINE = 8;
const FINEST = 16;
/** A fine cell "holds" a colour from this share of its pixels. */
const HOLDS = 0.02;

/** Stripe pairs, in output order: red/white, orange/white, yellow/black. */
const PAIRS: readonly (readonly [number, number])[] = [
  [RED, WHITE],
  [ORANGE, WHITE],
  [YELLOW, BLACK],
];
/** Runs in a row of the two colours of a pair, alternating, that make one stripe event. */
const STRIPE_RUNS = 4;

/**
 * 34 features, each in [0, ~1]. For red, orange, yellow and fluorescent yellow-green, on an 8×8 grid:
 * the largest and second largest cell share and the share of cells holding 2 % or more (12); on a
 * 16×16 grid, the largest cell share (4). Red and fluorescent shares by quarter of the height (8). The
 * red, fluorescent, white and black shares of the frame (4). Stripe events, four alternating runs of a
 * pair's colours along a row (6: three pairs, along rows then columns), as `log1p(n) / 3` of the
 * count per 224 lines. Shares are square roots.
 */
export function hazardFeatures(image: RgbImage): Float32Array {
  const { width: w, height: h } = image;
  const kind = classify(image);
  const out = new Float32Array(HAZARD_DIMS);
  let o = 0;
  const push = (v: number) => (out[o++] = v);

  // Counts on the finest grid; the 8×8 grid's cells are its 2×2 blocks.
  const cells = new Int32Array(FINEST * FINEST * COLOURS.length);
  const cellSize = new Int32Array(FINEST * FINEST);
  const bands = new Int32Array(4 * 2);
  const totals = new Int32Array(BLACK + 1);
  for (let y = 0; y < h; y++) {
    const cy = Math.floor((y * FINEST) / h) * FINEST;
    const band = Math.floor((y * 4) / h);
    for (let x = 0; x < w; x++) {
      const c = cy + Math.floor((x * FINEST) / w);
      const k = kind[y * w + x]!;
      cellSize[c]!++;
      totals[k]!++;
      if (k >= RED && k <= FLUO) cells[(k - RED) * FINEST * FINEST + c]!++;
      if (k === RED) bands[band]!++;
      else if (k === FLUO) bands[4 + band]!++;
    }
  }
  const fine = coarsen(cells, COLOURS.length);
  const fineSize = coarsen(cellSize, 1);
  for (let colour = 0; colour < COLOURS.length; colour++) {
    const shares = sharesOf(fine, fineSize, colour);
    const [first, second] = twoLargest(shares);
    push(Math.sqrt(first));
    push(Math.sqrt(second));
    push(shares.filter((v) => v >= HOLDS).length / shares.length);
  }
  for (let colour = 0; colour < COLOURS.length; colour++) {
    push(Math.sqrt(twoLargest(sharesOf(cells, cellSize, colour))[0]));
  }

  for (let band = 0; band < 8; band++) {
    const rows = Math.ceil((((band % 4) + 1) * h) / 4) - Math.ceil(((band % 4) * h) / 4);
    push(Math.sqrt(bands[band]! / Math.max(1, rows * w)));
  }
  const n = Math.max(1, w * h);
  for (const k of [RED, FLUO, WHITE, BLACK]) push(Math.sqrt(totals[k]! / n));

  const events = (count: number, lines: number) => Math.log1p((count * 224) / Math.max(1, lines)) / 3;
  for (const [a, b] of PAIRS) push(events(stripeEvents(kind, w, h, a, b, 1, w), h));
  for (const [a, b] of PAIRS) push(events(stripeEvents(kind, h, w, a, b, w, 1), w));
  return out;
}

/** `per` grids of FINEST² counts, summed over 2×2 blocks into grids of FINE². */
function coarsen(counts: Int32Array, per: number): Int32Array {
  const out = new Int32Array(FINE * FINE * per);
  for (let g = 0; g < per; g++) {
    for (let y = 0; y < FINEST; y++) {
      for (let x = 0; x < FINEST; x++) {
        out[g * FINE * FINE + (y >> 1) * FINE + (x >> 1)]! += counts[g * FINEST * FINEST + y * FINEST + x]!;
      }
    }
  }
  return out;
}

/** Each cell's share of colour `colour` (grids of `counts` in COLOURS order; `size` the cells' pixels). */
function sharesOf(counts: Int32Array, size: Int32Array, colour: number): Float64Array {
  return Float64Array.from(size, (pixels, c) => counts[colour * size.length + c]! / Math.max(1, pixels));
}

function twoLargest(values: Float64Array): [number, number] {
  let first = 0;
  let second = 0;
  for (const v of values) {
    if (v > first) [first, second] = [v, first];
    else if (v > second) second = v;
  }
  return [first, second];
}

/**
 * Stripe events of colours `a` and `b` along `lines` lines of `length` pixels (`step` apart along a
 * line, `stride` between lines): STRIPE_RUNS runs alternating between the two, each at most an
 * eighth of the line long. A one-pixel run of any other colour between two runs (the blend at a
 * stripe's edge) is skipped; anything longer ends the sequence.
 */
function stripeEvents(
  kind: Uint8Array,
  length: number,
  lines: number,
  a: number,
  b: number,
  step: number,
  stride: number,
): number {
  const longest = Math.max(2, Math.floor(length / 8));
  let count = 0;
  for (let line = 0; line < lines; line++) {
    let alternating = 0; // runs so far in the current alternating sequence
    let last = OTHER; // colour of the last counted run
    let i = 0;
    while (i < length) {
      const k = kind[line * stride + i * step]!;
      let run = 1;
      while (i + run < length && kind[line * stride + (i + run) * step] === k) run++;
      i += run;
      if (k !== a && k !== b) {
        if (run > 1) alternating = 0;
        continue;
      }
      if (run > longest) {
        alternating = 0;
        continue;
      }
      alternating = k !== last && alternating > 0 ? alternating + 1 : 1;
      last = k;
      if (alternating >= STRIPE_RUNS) {
        count++;
        alternating = 0;
      }
    }
  }
  return count;
}

/** Each pixel's colour class, by hue, saturation and value. */
function classify(image: RgbImage): Uint8Array {
  const { data } = image;
  const n = image.width * image.height;
  const kind = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = data[3 * i]!;
    const g = data[3 * i + 1]!;
    const b = data[3 * i + 2]!;
    const max = Math.max(r, g, b);
    const d = max - Math.min(r, g, b);
    const v = max / 255;
    const s = max === 0 ? 0 : d / max;
    if (v < 0.2) kind[i] = BLACK;
    else if (s < 0.2) kind[i] = v > 0.75 ? WHITE : OTHER;
    else kind[i] = byHue(hueOf(r, g, b, max, d), s, v);
  }
  return kind;
}

/** Hue in degrees, [0, 360); d > 0. */
function hueOf(r: number, g: number, b: number, max: number, d: number): number {
  if (max === r) return (60 * ((g - b) / d) + 360) % 360;
  if (max === g) return 60 * ((b - r) / d + 2);
  return 60 * ((r - g) / d + 4);
}

function byHue(hue: number, s: number, v: number): number {
  if ((hue < 8 || hue >= 340) && s >= 0.5 && v >= 0.3) return RED;
  if (hue >= 8 && hue < 35 && s >= 0.55 && v >= 0.35) return ORANGE;
  if (hue >= 35 && hue < 62 && s >= 0.5 && v >= 0.4) return YELLOW;
  if (hue >= 62 && hue < 90 && s >= 0.55 && v >= 0.7) return FLUO;
  return OTHER;
}
