/** The DeeperForensics distortions the validators apply (natix `image_transforms.py`), on packed RGB. */
import type { RgbImage } from '../../inference/image/index.js';
import { gaussianBlur, resizeLinearNoAntialias } from './_pixels.js';
import type { Rng } from '../../core/random/index.js';

/** Distortion names as the validators spell them, in the order they are applied. */
export type DistortionName = 'CS' | 'CC' | 'JPEG' | 'GNC' | 'GB';

/** Parameters per level 1..5 (`get_distortion_parameter`). */
export const DISTORTION_PARAMETERS: Readonly<Record<DistortionName, readonly number[]>> = Object.freeze({
  CS: Object.freeze([0.4, 0.3, 0.2, 0.1, 0.0]),
  CC: Object.freeze([0.85, 0.725, 0.6, 0.475, 0.35]),
  JPEG: Object.freeze([2, 3, 4, 5, 6]),
  GNC: Object.freeze([0.001, 0.002, 0.005, 0.01, 0.05]),
  GB: Object.freeze([7, 9, 13, 17, 21]),
});

// OpenCV's float YCrCb coefficients. The validators feed 0..255 floats to cvtColor, so OpenCV's
// chroma offset is the float one (0.5), not 128; the constants below keep that quirk.
const DELTA = 0.5;

function toYcc(r: number, g: number, b: number): [number, number, number] {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  const cr = (r - y) * 0.713 + DELTA;
  const cb = (b - y) * 0.564 + DELTA;
  // bgr2ycbcr's studio-range scaling, as written in the reference.
  return [(y * 219 + 16) / 255, (cb * 224 + 16) / 255, (cr * 224 + 16) / 255];
}

function fromYcc(ys: number, cbs: number, crs: number): [number, number, number] {
  const y = (ys * 255 - 16) / 219;
  const cb = (cbs * 255 - 16) / 224 - DELTA;
  const cr = (crs * 255 - 16) / 224 - DELTA;
  return [y + 1.403 * cr, y - 0.714 * cr - 0.344 * cb, y + 1.773 * cb];
}

// numpy's astype(uint8) truncates toward zero; the reference clips only after noise.
function toByte(v: number): number {
  return Math.min(255, Math.max(0, Math.trunc(v)));
}

function mapPixels(img: RgbImage, fn: (r: number, g: number, b: number, out: Uint8Array, o: number) => void) {
  const out = new Uint8Array(img.data.length);
  const d = img.data;
  for (let o = 0; o < d.length; o += 3) fn(d[o]!, d[o + 1]!, d[o + 2]!, out, o);
  return { width: img.width, height: img.height, data: out };
}

/** CS: scales the chroma of YCbCr by `factor` (0 gives grey). */
export function colourSaturation(img: RgbImage, factor: number): RgbImage {
  return mapPixels(img, (r, g, b, out, o) => {
    const [y, cb, cr] = toYcc(r, g, b);
    const [r2, g2, b2] = fromYcc(y, 0.5 + (cb - 0.5) * factor, 0.5 + (cr - 0.5) * factor);
    out[o] = toByte(r2);
    out[o + 1] = toByte(g2);
    out[o + 2] = toByte(b2);
  });
}

/** CC: multiplies every channel by `factor` (the reference darkens rather than pulls to grey). */
export function colourContrast(img: RgbImage, factor: number): RgbImage {
  return mapPixels(img, (r, g, b, out, o) => {
    out[o] = toByte(r * factor);
    out[o + 1] = toByte(g * factor);
    out[o + 2] = toByte(b * factor);
  });
}

/** JPEG: shrinks by the integer `factor` and grows back, both with OpenCV's non-antialiased bilinear. */
export function jpegStyle(img: RgbImage, factor: number): RgbImage {
  const small = resizeLinearNoAntialias(
    img,
    Math.max(1, Math.floor(img.width / factor)),
    Math.max(1, Math.floor(img.height / factor)),
  );
  return resizeLinearNoAntialias(small, img.width, img.height);
}

/** GNC: adds N(0, variance) to each studio-range YCbCr channel divided by 255, then clips. */
export function colourNoise(img: RgbImage, variance: number, rng: Rng): RgbImage {
  const std = Math.sqrt(variance);
  return mapPixels(img, (r, g, b, out, o) => {
    const [y, cb, cr] = toYcc(r, g, b);
    // (ycbcr / 255 + std·n) · 255, exactly as the reference scales it.
    const [r2, g2, b2] = fromYcc(
      (y / 255 + std * rng.normal()) * 255,
      (cb / 255 + std * rng.normal()) * 255,
      (cr / 255 + std * rng.normal()) * 255,
    );
    out[o] = toByte(r2);
    out[o + 1] = toByte(g2);
    out[o + 2] = toByte(b2);
  });
}

/** GB: Gaussian blur with a square `kernel` and sigma = kernel / 6. */
export function blur(img: RgbImage, kernel: number): RgbImage {
  return gaussianBlur(img, kernel, kernel / 6);
}

/** Applies one named distortion at level 1..5; level 0 returns the image unchanged. */
export function applyDistortion(img: RgbImage, name: DistortionName, level: number, rng: Rng): RgbImage {
  if (level <= 0) return img;
  const param = DISTORTION_PARAMETERS[name][level - 1];
  if (param === undefined) throw new RangeError(`Distortion level must be 0..5: ${level}`);
  switch (name) {
    case 'CS':
      return colourSaturation(img, param);
    case 'CC':
      return colourContrast(img, param);
    case 'JPEG':
      return jpegStyle(img, param);
    case 'GNC':
      return colourNoise(img, param, rng);
    case 'GB':
      return blur(img, param);
  }
}
