// Strict standard base64 (RFC 4648 §4, padded), the only form PIL-side validators produce.
import { RoadworkError } from '../../core/errors/index.js';

// Whole groups of four with at most two '=' at the very end; no whitespace, no URL-safe alphabet. A
// single character class, never a repeated group: V8's backtracking regex overflows its stack on a
// group repeated millions of times (a 20 MB source-size challenge).
const OUTSIDE_ALPHABET = /[^A-Za-z0-9+/]/;

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
  const padding = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  if (b64.length % 4 !== 0 || OUTSIDE_ALPHABET.test(padding === 0 ? b64 : b64.slice(0, -padding))) {
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
