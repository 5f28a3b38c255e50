// Turns packed RGB into the float NCHW tensor a model expects (runs inside predictor workers).
import { sampleRegion } from '../tensor/index.js';

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
 * almost always the identity) and normalises into a [1,3,size,size] float32 tensor.
 */
export function toModelInput(
  rgb: Uint8Array,
  width: number,
  height: number,
  size: number,
  norm: Normalization,
): Float32Array {
  if (rgb.length !== width * height * 3) {
    throw new Error(`Image data length does not match its size: ${rgb.length} for ${width}×${height}×3.`);
  }
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  const scale = [0, 1, 2].map((c) => 1 / (255 * norm.std[c]!));
  const shift = [0, 1, 2].map((c) => norm.mean[c]! / norm.std[c]!);
  if (width === size && height === size) {
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) out[c * plane + i] = rgb[i * 3 + c]! * scale[c]! - shift[c]!;
    }
    return out;
  }
  sampleRegion(
    rgb,
    width,
    height,
    { x: 0, y: 0, width, height },
    {
      out,
      offset: 0,
      planeWidth: size,
      planeHeight: size,
      outWidth: size,
      outHeight: size,
      mean: norm.mean,
      std: norm.std,
    },
  );
  return out;
}
