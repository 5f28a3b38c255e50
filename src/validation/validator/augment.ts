/** The validators' four augmentation levels (natix `apply_augmentation_by_level`), seeded and reported. */
import { type RgbImage, cropResize, decodeRgb, encodeJpeg, type Box } from '../../inference/image/index.js';
import { applyDistortion, type DistortionName } from './_distortions.js';
import { flipHorizontal, flipVertical, rotate, type RotateInterpolation } from './_pixels.js';
import { roundHalfEven } from './score.js';
import type { Rng } from '../../core/random/index.js';

/** 0: crop and resize; 1: rotate, random crop, flips; 2: 1 + mild distortions; 3: 1 + hard distortions. */
export type AugmentLevel = 0 | 1 | 2 | 3;

/** Which distortions each level draws, and the highest level each may draw (`level_max`). */
const LEVEL_DISTORTIONS: Readonly<Record<AugmentLevel, readonly DistortionName[]>> = Object.freeze({
  0: [],
  1: [],
  2: ['CS', 'CC', 'JPEG'],
  3: ['CS', 'CC', 'JPEG', 'GNC', 'GB'],
});
const LEVEL_MAX: Readonly<Record<AugmentLevel, number>> = Object.freeze({ 0: 0, 1: 0, 2: 1, 3: 2 });

/** Options of `augmentImage`; defaults follow PROTOCOL §5. */
export interface AugmentOptions {
  /** Force a level; by default drawn with p = 0.25 each. */
  readonly level?: AugmentLevel;
  /** Output side in pixels (default 224, `TARGET_IMAGE_SIZE`). */
  readonly size?: number;
  /** JPEG quality (default 75, PIL's default). */
  readonly quality?: number;
  /**
   * Draw and apply the two flips with p = 0.5 (default true, as PROTOCOL §5 states). The natix
   * `Random*FlipWithParams` classes set `params = {}` in `__init__`, so their random branch never
   * runs and the deployed code never flips: pass false to reproduce that.
   */
  readonly flips?: boolean;
  /**
   * Rotation sampling (default 'bilinear', as configured). The reference calls `F.rotate(img, angle)`
   * without the configured mode, so torchvision's default 'nearest' is what actually runs.
   */
  readonly rotation?: RotateInterpolation;
  /**
   * 'crop' (default): level 0 centre-crops, levels 1–3 rotate the full frame and take a
   * RandomResizedCrop. 'letterbox': a later variant that resizes to fit, pads to a square with black
   * and rotates without cropping.
   */
  readonly geometry?: 'crop' | 'letterbox';
}

/** What was applied, for reports and replays. */
export interface AugmentParams {
  readonly level: AugmentLevel;
  readonly source: { readonly width: number; readonly height: number };
  /** Degrees counter-clockwise (levels 1–3). */
  readonly angle?: number;
  /** The region of the (rotated) source that became the output: a centre crop or a random crop. */
  readonly crop?: Box;
  readonly hflip?: boolean;
  readonly vflip?: boolean;
  /** Drawn level 0..2 of each distortion, in application order (levels 2–3). */
  readonly distortions?: Partial<Record<DistortionName, number>>;
}

/** An augmented challenge image. */
export interface AugmentResult {
  readonly jpeg: Buffer;
  /** `jpeg` as standard base64, the synapse's `image` field. */
  readonly imageB64: string;
  /** The pixels before JPEG encoding. */
  readonly rgb: RgbImage;
  readonly params: AugmentParams;
}

/** Draws a level with the validators' cumulative rule (`rand <= cumulative` over 0.25 steps). */
export function drawLevel(rng: Rng): AugmentLevel {
  const r = rng.next();
  if (r <= 0.25) return 0;
  if (r <= 0.5) return 1;
  if (r <= 0.75) return 2;
  return 3;
}

/** `transforms.CenterCrop(min(w, h))`: offsets rounded half to even, like Python's `round`. */
export function centreSquare(width: number, height: number): Box {
  const m = Math.min(width, height);
  return {
    top: roundHalfEven((height - m) / 2),
    left: roundHalfEven((width - m) / 2),
    height: m,
    width: m,
  };
}

/** `RandomResizedCrop.get_params` with scale (0.2, 1.0) and ratio (1, 1): ten tries, then a centre crop. */
export function randomSquareCrop(
  width: number,
  height: number,
  rng: Rng,
  scale: [number, number] = [0.2, 1],
): Box {
  const area = width * height;
  for (let attempt = 0; attempt < 10; attempt++) {
    const side = roundHalfEven(Math.sqrt(area * rng.uniform(scale[0], scale[1])));
    if (side > 0 && side <= width && side <= height) {
      // torch.randint(0, n + 1) draws from 0..n inclusive.
      const top = rng.int(0, height - side);
      const left = rng.int(0, width - side);
      return { top, left, height: side, width: side };
    }
  }
  // Fallback for ratio 1: the largest centred square (floor division, as torchvision does).
  const side = Math.min(width, height);
  return {
    top: Math.floor((height - side) / 2),
    left: Math.floor((width - side) / 2),
    height: side,
    width: side,
  };
}

async function letterbox(img: RgbImage, size: number): Promise<RgbImage> {
  const scale = Math.min(size / img.width, size / img.height);
  const w = Math.max(1, Math.floor(img.width * scale));
  const h = Math.max(1, Math.floor(img.height * scale));
  const resized = await cropResize(img, { top: 0, left: 0, width: img.width, height: img.height }, w, h);
  const out = new Uint8Array(size * size * 3);
  const left = Math.floor((size - w) / 2);
  const top = Math.floor((size - h) / 2);
  for (let y = 0; y < h; y++) {
    out.set(resized.data.subarray(y * w * 3, (y + 1) * w * 3), ((top + y) * size + left) * 3);
  }
  return { width: size, height: size, data: out };
}

/**
 * Augments one image as a validator would before sending it, returning the JPEG, its base64 and the
 * parameters drawn. Every random choice comes from `rng`, so a seed replays a challenge exactly.
 */
export async function augmentImage(
  image: Buffer | RgbImage,
  rng: Rng,
  options: AugmentOptions = {},
): Promise<AugmentResult> {
  const size = options.size ?? 224;
  const level = options.level ?? drawLevel(rng);
  const src = Buffer.isBuffer(image) ? await decodeRgb(image) : image;
  const source = { width: src.width, height: src.height };
  const letterboxed = options.geometry === 'letterbox';
  const interpolation = options.rotation ?? 'bilinear';

  let rgb: RgbImage;
  let angle: number | undefined;
  let crop: Box | undefined;
  if (level === 0) {
    if (letterboxed) rgb = await letterbox(src, size);
    else {
      crop = centreSquare(src.width, src.height);
      rgb = await cropResize(src, crop, size, size);
    }
  } else {
    angle = rng.uniform(-20, 20);
    if (letterboxed) rgb = rotate(await letterbox(src, size), angle, { interpolation });
    else {
      crop = randomSquareCrop(src.width, src.height, rng);
      const region = rotate(src, angle, { interpolation, region: crop });
      rgb = await cropResize(
        region,
        { top: 0, left: 0, width: region.width, height: region.height },
        size,
        size,
      );
    }
  }

  let hflip: boolean | undefined;
  let vflip: boolean | undefined;
  if (level > 0) {
    const flips = options.flips ?? true;
    hflip = flips && rng.chance(0.5);
    vflip = flips && rng.chance(0.5);
    if (hflip) rgb = flipHorizontal(rgb);
    if (vflip) rgb = flipVertical(rgb);
  }

  let distortions: Partial<Record<DistortionName, number>> | undefined;
  if (level >= 2) {
    distortions = {};
    for (const name of LEVEL_DISTORTIONS[level]) {
      // random.randint(level_min, level_max): both ends included.
      const drawn = rng.int(0, LEVEL_MAX[level]);
      distortions[name] = drawn;
      rgb = applyDistortion(rgb, name, drawn, rng);
    }
  }

  const jpeg = await encodeJpeg(rgb, { quality: options.quality });
  const params: AugmentParams = {
    level,
    source,
    ...(angle !== undefined && { angle }),
    ...(crop && { crop }),
    ...(hflip !== undefined && { hflip, vflip }),
    ...(distortions && { distortions }),
  };
  return { jpeg, imageB64: jpeg.toString('base64'), rgb, params };
}
