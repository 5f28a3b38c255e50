// Strict standard base64 (RFC 4648 §4, padded), the only form PIL-side validators produce.
import { RoadworkError } from '../errors/index.js';

// Whole groups of four, then at most one padded tail group; no whitespace, no URL-safe alphabet.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes padded standard base64, refusing anything `Buffer.from` would quietly tolerate. */
export function decodeStrictBase64(b64: string, maxChars: number): Uint8Array {
  if (typeof b64 !== 'string' || b64.length === 0) {
    throw new RoadworkError('ERR_IMAGE_BASE64', 'Image base64 is empty: send the JPEG as standard base64.');
  }
  // Length first: the regex and the decode must never see an oversized string.
  if (b64.length > maxChars) {
    throw new RoadworkError(
      'ERR_IMAGE_BASE64',
      `Image base64 is too long: ${b64.length} characters (limit ${maxChars}); send a smaller image.`,
    );
  }
  if (b64.length % 4 !== 0 || !STRICT_BASE64.test(b64)) {
    throw new RoadworkError(
      'ERR_IMAGE_BASE64',
      `Image is not strict standard base64: ${describe(b64)}; use the standard alphabet with padding and no whitespace.`,
    );
  }
  const buf = Buffer.from(b64, 'base64');
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function describe(b64: string): string {
  const bad = b64.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return `character ${JSON.stringify(b64[bad])} at offset ${bad}`;
  return `length ${b64.length} or misplaced padding`;
}
