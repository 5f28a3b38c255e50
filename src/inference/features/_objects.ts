/**
 * Object-level colour features: the orange and yellow blobs of a frame (cones, barrels, boards,
 * signs), their sizes, shapes, stripes and places, after a grey-world white balance so a camera's
 * colour cast moves fewer pixels across the colour thresholds. The colour-shape features count
 * pixels per cell; these count things.
 */
import type { RgbImage } from '../image/index.js';
import { CAN_ORANGE, CAN_WHITE, CAN_YELLOW, HUE, SAT_FLAGS, hueIndex, satIndex } from './_tables.js';

/** Length of `objectFeatures`' output. */
export const OBJECT_DIMS = 24;

/** Bumped whenever the features change, so cached embeddings and heads are not mixed up. */
export const OBJECT_VERSION = 'ob1';

const ORANGE = 1;
const YELLOW = 2;
const WHITE = 3;

/** Grey-world gains are held to this range, so a frame that is mostly one colour is not inverted. */
const GAIN_MIN = 0.7;
const GAIN_MAX = 1.4;

/** One blob: 4-connected pixels of one colour class. */
interface Blob {
  readonly area: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly cx: number;
  readonly cy: number;
}

/**
 * 24 features, each in [0, ~1]. Orange blobs (cones, barrels, boards): counts by size (4: under
 * 0.1 %, 0.1–1 %, 1–5 %, over 5 % of the frame), tall, wide, striped (orange↔white twice or more
 * down the middle, from its height above to its height below) and low (centre below 40 % of the height) blob counts (4), the largest blob's
 * size, aspect, fill and white share of its box (4), the area-weighted fill, the horizontal and
 * vertical spread of the blobs (3), the balanced frame's orange share and the share of it inside
 * blobs (2). Yellow blobs (signs): counts by size (3), the largest's size and fill (2), the yellow
 * share (1). Orange pixels with white above or below them, per orange pixel (1). Counts are
 * `log1p(n) / 3`; sizes are square roots of the frame's share.
 */
export function objectFeatures(image: RgbImage): Float32Array {
  const { width: w, height: h } = image;
  const n = w * h;
  const kind = classify(image);
  const minArea = Math.max(3, Math.round(n * 2e-5));
  const orange = blobs(kind, w, h, ORANGE, minArea);
  const yellow = blobs(kind, w, h, YELLOW, minArea);
  const out = new Float32Array(OBJECT_DIMS);
  let o = 0;
  const push = (v: number) => (out[o++] = v);
  const count = (k: number) => Math.log1p(k) / 3;
  const bySize = (list: readonly Blob[], edges: readonly number[]) => {
    for (let i = 0; i < edges.length; i++) {
      const lo = edges[i]! * n;
      const hi = (edges[i + 1] ?? Infinity) * n;
      push(count(list.filter((b) => b.area >= lo && b.area < hi).length));
    }
  };
  const box = (b: Blob) => (b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1);

  bySize(orange, [0, 1e-3, 1e-2, 5e-2]);
  push(count(orange.filter((b) => b.y1 - b.y0 + 1 >= 1.2 * (b.x1 - b.x0 + 1)).length));
  push(count(orange.filter((b) => b.x1 - b.x0 + 1 >= 2 * (b.y1 - b.y0 + 1)).length));
  push(count(orange.filter((b) => stripesDown(kind, w, b) >= 2).length));
  push(count(orange.filter((b) => b.cy > 0.4 * h).length));
  const big = orange.reduce<Blob | undefined>(
    (a, b) => (a === undefined || b.area > a.area ? b : a),
    undefined,
  );
  push(big ? Math.sqrt(big.area / n) : 0);
  push(big ? Math.max(-3, Math.min(3, Math.log2((big.y1 - big.y0 + 1) / (big.x1 - big.x0 + 1)))) / 3 : 0);
  push(big ? big.area / box(big) : 0);
  push(big ? whiteIn(kind, w, big) / box(big) : 0);
  const blobArea = orange.reduce((s, b) => s + b.area, 0);
  push(blobArea > 0 ? orange.reduce((s, b) => s + (b.area * b.area) / box(b), 0) / blobArea : 0);
  push(spread(orange.map((b) => b.cx / w)));
  push(spread(orange.map((b) => b.cy / h)));
  let orangeCount = 0;
  let yellowCount = 0;
  let striped = 0;
  for (let i = 0; i < n; i++) {
    const k = kind[i]!;
    if (k === YELLOW) yellowCount++;
    if (k !== ORANGE) continue;
    orangeCount++;
    if ((i >= w && kind[i - w] === WHITE) || (i + w < n && kind[i + w] === WHITE)) striped++;
  }
  push(Math.sqrt(orangeCount / n));
  push(orangeCount > 0 ? blobArea / orangeCount : 0);

  bySize(yellow, [0, 1e-3, 1e-2]);
  const sign = yellow.reduce<Blob | undefined>(
    (a, b) => (a === undefined || b.area > a.area ? b : a),
    undefined,
  );
  push(sign ? Math.sqrt(sign.area / n) : 0);
  push(sign ? sign.area / box(sign) : 0);
  push(Math.sqrt(yellowCount / n));
  push(orangeCount > 0 ? striped / orangeCount : 0);
  return out;
}

/** Each pixel's colour class after a grey-world balance (gains clamped to GAIN_MIN…GAIN_MAX). */
function classify(image: RgbImage): Uint8Array {
  const { data } = image;
  const n = image.width * image.height;
  let sr = 0;
  let sg = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sr += data[3 * i]!;
    sg += data[3 * i + 1]!;
    sb += data[3 * i + 2]!;
  }
  const grey = (sr + sg + sb) / 3;
  const gain = (s: number) => Math.min(GAIN_MAX, Math.max(GAIN_MIN, s > 0 ? grey / s : 1));
  const lut = (g: number) => Uint8Array.from({ length: 256 }, (_, v) => Math.min(255, Math.round(v * g)));
  const lr = lut(gain(sr));
  const lg = lut(gain(sg));
  const lb = lut(gain(sb));
  const kind = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = lr[data[3 * i]!]!;
    const g = lg[data[3 * i + 1]!]!;
    const b = lb[data[3 * i + 2]!]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const d = max - (r < g ? (r < b ? r : b) : g < b ? g : b);
    if (max === 0) continue;
    const flags = SAT_FLAGS[satIndex(max, d)]!;
    const hue = d === 0 ? 0 : HUE[hueIndex(r, g, b, max, d)]!;
    const both = flags & hue;
    kind[i] = both & CAN_ORANGE ? ORANGE : both & CAN_YELLOW ? YELLOW : flags & CAN_WHITE ? WHITE : 0;
  }
  return kind;
}

/** The 4-connected blobs of class `k` of at least `minArea` pixels (a flood fill with one stack). */
function blobs(kind: Uint8Array, w: number, h: number, k: number, minArea: number): Blob[] {
  const seen = new Uint8Array(kind.length);
  const stack = new Int32Array(kind.length);
  const out: Blob[] = [];
  // Pushes pixel j when it is of the class and not yet seen; returns the new stack top.
  const visit = (j: number, top: number) => {
    if (kind[j] !== k || seen[j] === 1) return top;
    seen[j] = 1;
    stack[top] = j;
    return top + 1;
  };
  for (let start = 0; start < kind.length; start++) {
    if (kind[start] !== k || seen[start] === 1) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    let area = 0;
    let x0 = w;
    let y0 = h;
    let x1 = 0;
    let y1 = 0;
    let sx = 0;
    let sy = 0;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % w;
      const y = (i - x) / w;
      area++;
      sx += x;
      sy += y;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (x > 0) top = visit(i - 1, top);
      if (x < w - 1) top = visit(i + 1, top);
      if (y > 0) top = visit(i - w, top);
      if (y < h - 1) top = visit(i + w, top);
    }
    if (area >= minArea) out.push({ area, x0, y0, x1, y1, cx: sx / area, cy: sy / area });
  }
  return out;
}

/**
 * Changes between orange and white down the blob's middle column, from its height above it to its
 * height below (a cone's collar or a barrel's band splits it into blobs, one above the other).
 */
function stripesDown(kind: Uint8Array, w: number, b: Blob): number {
  const x = Math.round(b.cx);
  const pad = b.y1 - b.y0 + 1;
  const rows = kind.length / w;
  let last = 0;
  let changes = 0;
  for (let y = Math.max(0, b.y0 - pad); y <= Math.min(rows - 1, b.y1 + pad); y++) {
    const k = kind[y * w + x]!;
    if (k !== ORANGE && k !== WHITE) continue;
    if (last !== 0 && k !== last) changes++;
    last = k;
  }
  return changes;
}

/** White pixels inside the blob's bounding box. */
function whiteIn(kind: Uint8Array, w: number, b: Blob): number {
  let white = 0;
  for (let y = b.y0; y <= b.y1; y++) {
    for (let i = y * w + b.x0, end = y * w + b.x1; i <= end; i++) if (kind[i] === WHITE) white++;
  }
  return white;
}

/** Standard deviation of positions in [0, 1], times 2 (0 for fewer than two). */
function spread(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return 2 * Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}
