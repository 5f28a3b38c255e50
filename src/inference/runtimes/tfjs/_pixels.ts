// The wasm engine's input preparation, written out for the ONNX engine: bytes scaled onto the input
// range in float32, resized bilinearly with half-pixel centres like tf.image.resizeBilinear, NCHW.
import type { Region } from '../../image/index.js';

/** A packed-RGB image. */
export interface Rgb {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * Writes `image` (or its `region`) into `out` (3·size² floats, channel planes) as tfjs would feed it:
 * `toFloat(bytes) · ((hi − lo) / 255) + lo` in float32, then `resizeBilinear(size, size, false, true)`
 * unless the region already is size × size.
 */
export function tfjsInput(
  image: Rgb,
  size: number,
  range: readonly [number, number],
  out: Float32Array,
  region: Region = { x: 0, y: 0, width: image.width, height: image.height },
): void {
  const [lo, hi] = range;
  // tfjs holds both scalars as float32 and rounds after each op; doing the same keeps the bits equal.
  const scale = Math.fround((hi - lo) / 255);
  const offset = Math.fround(lo);
  // Those float32 roundings of each of the 256 byte values, once.
  const lut = Float32Array.from({ length: 256 }, (_, b) => Math.fround(b * scale) + offset);
  const { data } = image;
  const { width, height } = region;
  const plane = size * size;
  if (width === image.width && height === image.height && width === size && height === size) {
    for (let p = 0; p < plane; p++) {
      out[p] = lut[data[p * 3]!]!;
      out[plane + p] = lut[data[p * 3 + 1]!]!;
      out[2 * plane + p] = lut[data[p * 3 + 2]!]!;
    }
    return;
  }
  const value = (y: number, x: number, c: number) =>
    lut[data[((region.y + y) * image.width + region.x + x) * 3 + c]!]!;
  // Interpolated in double, stored as float32: within ~3e-6 of the wasm kernel's float32 arithmetic
  // (its exact operation order is not public API), far below what moves an embedding.
  const sy = height / size;
  const sx = width / size;
  for (let oy = 0; oy < size; oy++) {
    const fy = (oy + 0.5) * sy - 0.5;
    const y0 = Math.max(0, Math.floor(fy));
    const y1 = Math.min(height - 1, Math.ceil(fy));
    const dy = fy - Math.floor(fy);
    for (let ox = 0; ox < size; ox++) {
      const fx = (ox + 0.5) * sx - 0.5;
      const x0 = Math.max(0, Math.floor(fx));
      const x1 = Math.min(width - 1, Math.ceil(fx));
      const dx = fx - Math.floor(fx);
      for (let c = 0; c < 3; c++) {
        const tl = value(y0, x0, c);
        const top = tl + (value(y0, x1, c) - tl) * dx;
        const bl = value(y1, x0, c);
        const bottom = bl + (value(y1, x1, c) - bl) * dx;
        out[c * plane + oy * size + ox] = top + (bottom - top) * dy;
      }
    }
  }
}
