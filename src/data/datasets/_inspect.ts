// One image's facts for the dataset checks: checksum, format, size, perceptual hash, or why it is unusable.
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { perceptualHash } from '../../inference/cache/index.js';

/** What `inspectImage` learned. `problem` is set when the image cannot be used at all. */
export interface ImageFacts {
  readonly sha256: string;
  readonly bytes: number;
  readonly ext?: string;
  readonly width?: number;
  readonly height?: number;
  readonly phash?: string;
  readonly problem?: { readonly reason: 'decode' | 'format'; readonly detail: string };
}

const FORMATS: Readonly<Record<string, string>> = Object.freeze({ jpeg: 'jpg', png: 'png', webp: 'webp' });
// pHash area-averages to 32×32 anyway; decoding to this size first keeps big photos cheap.
const THUMB = 128;

/** Checksums and decodes `bytes` fully (a truncated file fails here, not at training time). */
export async function inspectImage(bytes: Buffer): Promise<ImageFacts> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const base = { sha256, bytes: bytes.length };
  try {
    const meta = await sharp(bytes, { failOn: 'truncated' }).metadata();
    const ext = meta.format === undefined ? undefined : FORMATS[meta.format];
    if (ext === undefined) {
      return { ...base, problem: { reason: 'format', detail: `format ${meta.format ?? 'unknown'}` } };
    }
    const { data, info } = await sharp(bytes, { failOn: 'truncated' })
      .rotate()
      .removeAlpha()
      .resize(THUMB, THUMB, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const oriented = (meta.orientation ?? 1) >= 5;
    return {
      ...base,
      ext,
      width: oriented ? meta.height : meta.width,
      height: oriented ? meta.width : meta.height,
      phash: perceptualHash({ data, width: info.width, height: info.height }),
    };
  } catch (err) {
    return { ...base, problem: { reason: 'decode', detail: (err as Error).message.split('\n')[0] ?? '' } };
  }
}
