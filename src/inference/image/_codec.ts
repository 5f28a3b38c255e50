/** The only places sharp is used here: decode to RGB, antialiased resize, and JPEG encode. */
import sharp from 'sharp';
import { RoadworkError } from '../../core/errors/index.js';
import type { Box, RgbImage } from './_rgb.js';

/** PIL's `Image.save(format="JPEG")` defaults, which the validators' `prepare_image_synapse` uses. */
export const JPEG_OPTIONS = Object.freeze({
  quality: 75,
  // libjpeg's default for colour images, which Pillow keeps when `subsampling` is not given.
  chromaSubsampling: '4:2:0',
  // Pillow writes baseline Huffman tables unless `optimize=True`; the pixels are the same either way.
  optimiseCoding: false,
  mozjpeg: false,
} as const);

/** Decodes any image sharp reads into 8-bit RGB, dropping alpha like PIL's `convert("RGB")`. */
export async function decodeRgb(bytes: Buffer): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes)
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3)
      throw new RoadworkError('ERR_IMAGE_FORMAT', `expected 3 channels, got ${info.channels}`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (err) {
    throw new RoadworkError(
      'ERR_IMAGE_FORMAT',
      `Could not decode the image: ${(err as Error).message}. Use a JPEG, PNG or WebP file.`,
      { cause: err },
    );
  }
}

/**
 * Crops `box` and resizes it to `width`×`height` with sharp's linear kernel, which like PIL's and
 * torchvision's antialiased bilinear widens the filter when shrinking.
 */
export async function cropResize(img: RgbImage, box: Box, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .extract(box)
    .resize(width, height, { kernel: 'linear', fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** Encodes RGB as a JPEG with the validators' settings. */
export async function encodeJpeg(img: RgbImage, options: { quality?: number } = {}): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .jpeg({ ...JPEG_OPTIONS, quality: options.quality ?? JPEG_OPTIONS.quality })
    .toBuffer();
}
