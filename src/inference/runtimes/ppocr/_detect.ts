// DB text detection post-processing: threshold the probability map, label connected components, keep
// confident ones as axis-aligned boxes grown by the DB unclip distance (PaddleOCR's DBPostProcess).

/** Settings of the post-processing, with PaddleOCR's defaults in the runtime options. */
export interface DetectSettings {
  /** Pixel threshold on the probability map. */
  readonly threshold: number;
  /** Minimum mean probability inside a box. */
  readonly boxThreshold: number;
  /** DB shrinks text regions in training; boxes grow by area × ratio / perimeter to undo it. */
  readonly unclipRatio: number;
  /** Components with a side shorter than this (map pixels) are noise. */
  readonly minSize: number;
  readonly maxBoxes: number;
}

/** A found box in map pixels, `[x1, y1, x2, y2]`, with its mean probability. */
export interface MapBox {
  readonly box: [number, number, number, number];
  readonly score: number;
}

/** Text boxes on a `width × height` probability map, top to bottom then left to right. */
export function findTextBoxes(
  prob: Float32Array,
  width: number,
  height: number,
  s: DetectSettings,
): MapBox[] {
  const labels = new Int32Array(width * height);
  const stack: number[] = [];
  const found: MapBox[] = [];
  let next = 0;
  for (let start = 0; start < prob.length; start++) {
    if (labels[start] !== 0 || prob[start]! <= s.threshold) continue;
    next++;
    let x1 = width;
    let y1 = height;
    let x2 = -1;
    let y2 = -1;
    labels[start] = next;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      if (x < x1) x1 = x;
      if (x > x2) x2 = x;
      if (y < y1) y1 = y;
      if (y > y2) y2 = y;
      // 8-connectivity, like the contours OpenCV traces in PaddleOCR.
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (labels[j] === 0 && prob[j]! > s.threshold) {
            labels[j] = next;
            stack.push(j);
          }
        }
      }
    }
    const w = x2 - x1 + 1;
    const h = y2 - y1 + 1;
    if (Math.min(w, h) < s.minSize) continue;
    const score = meanInBox(prob, width, x1, y1, x2, y2);
    if (score < s.boxThreshold) continue;
    const grow = (w * h * s.unclipRatio) / (2 * (w + h));
    found.push({
      box: [
        Math.max(0, x1 - grow),
        Math.max(0, y1 - grow),
        Math.min(width, x2 + 1 + grow),
        Math.min(height, y2 + 1 + grow),
      ],
      score,
    });
  }
  found.sort((a, b) => b.score - a.score);
  return found.slice(0, s.maxBoxes).sort(readingOrder);
}

function meanInBox(
  prob: Float32Array,
  width: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): number {
  let sum = 0;
  for (let y = y1; y <= y2; y++) for (let x = x1; x <= x2; x++) sum += prob[y * width + x]!;
  return sum / ((x2 - x1 + 1) * (y2 - y1 + 1));
}

// Boxes whose vertical centres are within half a line height read as one row, left to right.
function readingOrder(a: MapBox, b: MapBox): number {
  const ha = a.box[3] - a.box[1];
  const ca = (a.box[1] + a.box[3]) / 2;
  const cb = (b.box[1] + b.box[3]) / 2;
  if (Math.abs(ca - cb) < ha / 2) return a.box[0] - b.box[0];
  return ca - cb;
}
