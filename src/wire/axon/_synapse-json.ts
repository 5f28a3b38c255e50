/**
 * Parses a synapse body without running `JSON.parse` over its image. A protocol 0.4 challenge carries
 * a source-size JPEG, several MB of base64, and `JSON.parse` of 10 MB holds the event loop for a
 * quarter of a second; the image is plain base64 (no escapes possible), so it is cut out of the bytes,
 * the small rest is parsed, and the image is put back as a string. Anything unusual — escapes in the
 * image, two `image` keys, bytes this scanner does not follow — falls back to `JSON.parse` of it all,
 * so the result is what `JSON.parse` would give (one difference: raw control characters inside the
 * image, which JSON forbids, reach the strict base64 check and are refused there).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** Bodies smaller than this are parsed whole: the split would save nothing. */
export const SPLIT_ABOVE_BYTES = 64 * 1024;

function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(b: Buffer, i: number): number {
  while (isSpace(b[i])) i++;
  return i;
}

/** Index of the quote that closes the string whose opening quote is at `open`, or -1. */
function stringEnd(b: Buffer, open: number): number {
  let j = open;
  for (;;) {
    j = b.indexOf(QUOTE, j + 1);
    if (j === -1) return -1;
    let backslashes = 0;
    for (let k = j - 1; b[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}

/** Index just past the JSON value starting at `i` (strings skipped fast, nesting tracked), or -1. */
function valueEnd(b: Buffer, i: number): number {
  if (b[i] === QUOTE) {
    const end = stringEnd(b, i);
    return end === -1 ? -1 : end + 1;
  }
  let depth = 0;
  for (let j = i; j < b.length; j++) {
    const c = b[j];
    if (c === QUOTE) {
      const end = stringEnd(b, j);
      if (end === -1) return -1;
      j = end;
    } else if (c === OPEN || c === 0x5b) depth++;
    else if (c === CLOSE || c === 0x5d) {
      if (depth === 0) return j;
      depth--;
      if (depth === 0) return j + 1;
    } else if (depth === 0 && (c === COMMA || isSpace(c))) return j;
  }
  return depth === 0 ? b.length : -1;
}

/** Where the top-level `"image"` string value sits: [open quote, close quote], or undefined. */
function findImage(b: Buffer): [number, number] | undefined {
  let i = skipSpace(b, 0);
  if (b[i] !== OPEN) return undefined;
  let found: [number, number] | undefined;
  i = skipSpace(b, i + 1);
  while (i < b.length && b[i] !== CLOSE) {
    if (b[i] !== QUOTE) return undefined;
    const keyEnd = stringEnd(b, i);
    if (keyEnd === -1) return undefined;
    const isImage = keyEnd - i === 6 && b.toString('latin1', i + 1, keyEnd) === 'image';
    i = skipSpace(b, keyEnd + 1);
    if (b[i] !== COLON) return undefined;
    i = skipSpace(b, i + 1);
    const end = valueEnd(b, i);
    if (end === -1) return undefined;
    if (isImage) {
      // A second image key: JSON.parse keeps the last; let it decide.
      if (found !== undefined || b[i] !== QUOTE) return undefined;
      found = [i, end - 1];
    }
    i = skipSpace(b, end);
    if (b[i] === COMMA) i = skipSpace(b, i + 1);
  }
  return found;
}

/** `JSON.parse(body)`, with a large top-level `image` string kept out of the parser. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length >= SPLIT_ABOVE_BYTES) {
    const at = findImage(body);
    const escape = at === undefined ? -1 : body.indexOf(BACKSLASH, at[0]);
    if (at !== undefined && (escape === -1 || escape > at[1])) {
      const [open, close] = at;
      const rest = Buffer.concat([body.subarray(0, open), Buffer.from('""'), body.subarray(close + 1)]);
      const data = JSON.parse(rest.toString('utf8')) as unknown;
      if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
        // Base64 is ASCII: latin1 makes the same string without UTF-8 validation (a stray high byte fails base64).
        (data as Record<string, unknown>).image = body.toString('latin1', open + 1, close);
        return data;
      }
    }
  }
  return JSON.parse(body.toString('utf8'));
}
