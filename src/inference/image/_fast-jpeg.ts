// A fast path for the common case: a plain baseline/progressive JPEG, decoded by libjpeg-turbo through
// @napi-rs/image (about 3× quicker than sharp here, and far less time on the event loop).
import { Transformer } from '@napi-rs/image';

/**
 * True when the JPEG is one the fast decoder handles exactly like the careful path: it ends with EOI
 * (the fast decoder would silently grey-fill a truncated file), carries no APP1 (EXIF orientation,
 * which it ignores) and no Adobe APP14 (CMYK/YCCK), and has 1 or 3 components.
 */
export function isPlainJpeg(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[n - 2] !== 0xff || bytes[n - 1] !== 0xd9)
    return false;
  let pos = 2;
  while (pos + 4 <= n) {
    if (bytes[pos] !== 0xff) return false;
    const marker = bytes[pos + 1] as number;
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xda) return true;
    const length = ((bytes[pos + 2] as number) << 8) | (bytes[pos + 3] as number);
    if (length < 2 || pos + 2 + length > n) return false;
    if (marker === 0xe1 || marker === 0xee) return false;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      const components = bytes[pos + 9];
      if (components !== 1 && components !== 3) return false;
    }
    pos += 2 + length;
  }
  return false;
}

/** Decodes to packed RGB, or undefined when the output is not `width × height × 3` (then use sharp). */
export async function decodePlainJpeg(
  bytes: Uint8Array,
  width: number,
  height: number,
): Promise<Uint8Array | undefined> {
  const pixels = await new Transformer(
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  ).rawPixels();
  if (pixels.length !== width * height * 3) return undefined;
  return new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
}
