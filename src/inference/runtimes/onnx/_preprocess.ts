// Turns packed RGB into the float NCHW tensor a model expects (runs inside ONNX workers).
import { RoadworkError } from '../../../core/errors/index.js';
import { sampleRegion } from '../../image/index.js';

/** Per-channel normalisation: value = (pixel / 255 − mean[c]) / std[c]. */
export interface Normalization {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** ImageNet statistics: what most pretrained image models expect when nothing else is declared. */
export const IMAGENET_NORMALIZATION: Normalization = Object.freeze({
  mean: [0.485, 0.456, 0.406] as const,
  std: [0.229, 0.224, 0.225] as const,
});

/**
 * Resizes (bilinear, half-pixel centres, no antialiasing: validators already send 224×224, so this is
 * almost always the identity) and normalises into a [1,3,size,size] float32 tensor. `out` (3·size²
 * values, e.g. one image's slot of a reused batch buffer) is written in place and returned instead of
 * a new array: a worker that fills one buffer per batch saves two large allocations per image.
 */
export function toModelInput(
  rgb: Uint8Array,
  width: number,
  height: number,
  size: number,
  norm: Normalization,
  out?: Float32Array,
): Float32Array {
  if (rgb.length !== width * height * 3) {
    throw new RoadworkError(
      'ERR_INTERNAL',
      `Image data length does not match its size: ${rgb.length} for ${width}×${height}×3.`,
    );
  }
  const plane = size * size;
  if (out !== undefined && out.length !== 3 * plane) {
    throw new RoadworkError(
      'ERR_INTERNAL',
      `Model input buffer has the wrong length: ${out.length} for 3×${size}×${size}.`,
    );
  }
  const target = out ?? new Float32Array(3 * plane);
  if (width === size && height === size) {
    const [r, g, b] = [0, 1, 2].map((c) => 1 / (255 * norm.std[c]!)) as [number, number, number];
    const [sr, sg, sb] = [0, 1, 2].map((c) => norm.mean[c]! / norm.std[c]!) as [number, number, number];
    for (let i = 0, j = 0; i < plane; i++, j += 3) {
      target[i] = rgb[j]! * r - sr;
      target[plane + i] = rgb[j + 1]! * g - sg;
      target[2 * plane + i] = rgb[j + 2]! * b - sb;
    }
    return target;
  }
  sampleRegion(
    rgb,
    width,
    height,
    { x: 0, y: 0, width, height },
    {
      out: target,
      offset: 0,
      planeWidth: size,
      planeHeight: size,
      outWidth: size,
      outHeight: size,
      mean: norm.mean,
      std: norm.std,
    },
  );
  return target;
}
