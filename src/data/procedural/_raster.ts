/** A tiny software rasteriser over packed RGB: polygons, ellipses, gradients and whole-frame effects. */

/** An RGB colour, channels 0..255. */
export type Colour = readonly [number, number, number];

/** A point in pixel space. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A mutable RGB frame that scene code paints into. */
export class Raster {
  readonly width: number;
  readonly height: number;
  // Clamped, so that blending and grading never wrap around past 0 or 255.
  readonly data: Uint8ClampedArray;

  constructor(width: number, height: number) {
    this.width = width;
    this.height = height;
    this.data = new Uint8ClampedArray(width * height * 3);
  }

  /** A raster holding a copy of packed RGB `data` (a photo to paint into). */
  static from(data: Uint8Array, width: number, height: number): Raster {
    const r = new Raster(width, height);
    r.data.set(data.subarray(0, width * height * 3));
    return r;
  }

  /** Fills rows y0..y1 with a vertical blend from `top` to `bottom`. */
  verticalGradient(y0: number, y1: number, top: Colour, bottom: Colour): void {
    const from = Math.max(0, Math.floor(y0));
    const to = Math.min(this.height, Math.ceil(y1));
    const span = Math.max(1, y1 - y0);
    for (let y = from; y < to; y++) {
      const t = (y - y0) / span;
      const r = top[0] + (bottom[0] - top[0]) * t;
      const g = top[1] + (bottom[1] - top[1]) * t;
      const b = top[2] + (bottom[2] - top[2]) * t;
      for (let x = 0, o = y * this.width * 3; x < this.width; x++, o += 3) {
        this.data[o] = r;
        this.data[o + 1] = g;
        this.data[o + 2] = b;
      }
    }
  }

  #span(y: number, xa: number, xb: number, c: Colour, alpha: number): void {
    const x0 = Math.max(0, Math.round(xa));
    const x1 = Math.min(this.width, Math.round(xb));
    const d = this.data;
    let o = (y * this.width + x0) * 3;
    if (alpha >= 1) {
      for (let x = x0; x < x1; x++, o += 3) {
        d[o] = c[0];
        d[o + 1] = c[1];
        d[o + 2] = c[2];
      }
      return;
    }
    for (let x = x0; x < x1; x++, o += 3) {
      d[o] = d[o]! + (c[0] - d[o]!) * alpha;
      d[o + 1] = d[o + 1]! + (c[1] - d[o + 1]!) * alpha;
      d[o + 2] = d[o + 2]! + (c[2] - d[o + 2]!) * alpha;
    }
  }

  /** Fills a simple polygon (even-odd rule, sampled at pixel centres). */
  polygon(points: readonly Point[], c: Colour, alpha = 1): void {
    if (points.length < 3) return;
    let minY = Infinity;
    let maxY = -Infinity;
    for (const p of points) {
      minY = Math.min(minY, p.y);
      maxY = Math.max(maxY, p.y);
    }
    const y0 = Math.max(0, Math.ceil(minY - 0.5));
    const y1 = Math.min(this.height - 1, Math.floor(maxY - 0.5));
    const xs: number[] = [];
    for (let y = y0; y <= y1; y++) {
      const sy = y + 0.5;
      xs.length = 0;
      for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
        const a = points[i]!;
        const b = points[j]!;
        if (a.y <= sy !== b.y <= sy) xs.push(a.x + ((sy - a.y) / (b.y - a.y)) * (b.x - a.x));
      }
      xs.sort((p, q) => p - q);
      for (let k = 0; k + 1 < xs.length; k += 2) this.#span(y, xs[k]!, xs[k + 1]!, c, alpha);
    }
  }

  /** Fills an axis-aligned rectangle. */
  rect(x0: number, y0: number, x1: number, y1: number, c: Colour, alpha = 1): void {
    this.polygon(
      [
        { x: x0, y: y0 },
        { x: x1, y: y0 },
        { x: x1, y: y1 },
        { x: x0, y: y1 },
      ],
      c,
      alpha,
    );
  }

  /** Fills an axis-aligned ellipse. */
  ellipse(cx: number, cy: number, rx: number, ry: number, c: Colour, alpha = 1): void {
    const y0 = Math.max(0, Math.ceil(cy - ry - 0.5));
    const y1 = Math.min(this.height - 1, Math.floor(cy + ry - 0.5));
    for (let y = y0; y <= y1; y++) {
      const t = (y + 0.5 - cy) / ry;
      const half = rx * Math.sqrt(Math.max(0, 1 - t * t));
      this.#span(y, cx - half, cx + half, c, alpha);
    }
  }

  /**
   * Whole-frame light and weather: `gain` darkens or brightens, `tint` multiplies per channel, and
   * `haze` blends toward `hazeColour` more strongly near the horizon row.
   */
  grade(options: { gain: number; tint: Colour; haze: number; hazeColour: Colour; horizon: number }): void {
    const { gain, tint, haze, hazeColour, horizon } = options;
    const kr = (gain * tint[0]) / 255;
    const kg = (gain * tint[1]) / 255;
    const kb = (gain * tint[2]) / 255;
    const d = this.data;
    for (let y = 0; y < this.height; y++) {
      // Haze is strongest at the horizon, where the scene is farthest away.
      const dist = Math.abs(y - horizon) / this.height;
      const h = haze * Math.exp(-dist * 6);
      const hr = hazeColour[0] * h * gain;
      const hg = hazeColour[1] * h * gain;
      const hb = hazeColour[2] * h * gain;
      for (let x = 0, o = y * this.width * 3; x < this.width; x++, o += 3) {
        d[o] = d[o]! * kr * (1 - h) + hr;
        d[o + 1] = d[o + 1]! * kg * (1 - h) + hg;
        d[o + 2] = d[o + 2]! * kb * (1 - h) + hb;
      }
    }
  }

  /** Adds uniform sensor noise of ±`amount` levels from a deterministic source. */
  noise(amount: number, next: () => number): void {
    if (amount <= 0) return;
    const d = this.data;
    for (let i = 0; i < d.length; i += 3) {
      const n = (next() - 0.5) * 2 * amount;
      d[i] = d[i]! + n;
      d[i + 1] = d[i + 1]! + n;
      d[i + 2] = d[i + 2]! + n;
    }
  }
}
