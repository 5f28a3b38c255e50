// Bilinear crop-and-resize from packed RGB into a normalised planar float tensor (half-pixel centres, no
// antialiasing), in RGB or BGR channel order.

/** A region of the source image, in pixels (may be fractional). */
export interface Region {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where and how to write: a [3, planeHeight, planeWidth] block at `offset`, filling `outWidth × outHeight`. */
export interface TensorTarget {
  readonly out: Float32Array;
  readonly offset: number;
  readonly planeWidth: number;
  readonly planeHeight: number;
  readonly outWidth: number;
  readonly outHeight: number;
  /** Per output channel (in `order`): value = (pixel / 255 − mean) / std. */
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
  /** Plane order. `bgr` for models trained on OpenCV images (PaddleOCR). Default `rgb`. */
  readonly order?: 'rgb' | 'bgr';
}

/**
 * Samples `region` of the RGB image into the target's top-left `outWidth × outHeight`. Pixels right of
 * `outWidth` are left as they are (the caller's padding).
 */
export function sampleRegion(
  rgb: Uint8Array,
  width: number,
  height: number,
  region: Region,
  t: TensorTarget,
): void {
  const plane = t.planeWidth * t.planeHeight;
  const sx = region.width / t.outWidth;
  const sy = region.height / t.outHeight;
  const scale = [0, 1, 2].map((c) => 1 / (255 * t.std[c]!));
  const shift = [0, 1, 2].map((c) => t.mean[c]! / t.std[c]!);
  const source = t.order === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  for (let y = 0; y < t.outHeight; y++) {
    const fy = clamp(region.y + (y + 0.5) * sy - 0.5, 0, height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    for (let x = 0; x < t.outWidth; x++) {
      const fx = clamp(region.x + (x + 0.5) * sx - 0.5, 0, width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, width - 1);
      const wx = fx - x0;
      const a = (y0 * width + x0) * 3;
      const b = (y0 * width + x1) * 3;
      const d = (y1 * width + x0) * 3;
      const e = (y1 * width + x1) * 3;
      const at = t.offset + y * t.planeWidth + x;
      for (let c = 0; c < 3; c++) {
        const s = source[c]!;
        const top = rgb[a + s]! + (rgb[b + s]! - rgb[a + s]!) * wx;
        const bottom = rgb[d + s]! + (rgb[e + s]! - rgb[d + s]!) * wx;
        t.out[at + c * plane] = (top + (bottom - top) * wy) * scale[c]! - shift[c]!;
      }
    }
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
