/**
 * Parses a synapse body at a cost bounded by its size, whatever its shape. A protocol 0.4 challenge
 * carries a source-size JPEG, several MB of base64, and `JSON.parse` of 10 MB holds the event loop for
 * a quarter of a second; worse, `JSON.parse` of 24 MB of `[[[[…` or `[{},{},…]` holds it for seconds
 * and a gigabyte. So one linear pass over the bytes (strings skipped with `indexOf`) finds the
 * top-level `image` string and refuses, before any parsing, nesting deeper than MAX_DEPTH and more
 * than MAX_REST_BYTES outside the image; the small rest goes to `JSON.parse` and the image is put back
 * as a string. A legitimate rest (name, timeout, dendrite and axon headers, hashes) is a few KB.
 *
 * The result is what `JSON.parse` would give, with three refusals (ERR_BODY_INVALID_JSON) and one
 * difference: a body nested too deeply, too large outside the image, or holding the top-level key
 * `image` twice (any spelling, `"\u0069mage"` too) is refused at every size, where `JSON.parse` would
 * keep the last; raw control characters inside the image, which JSON forbids, reach the strict base64
 * check and are refused there.
 */
import { RoadworkError } from '../../core/errors/index.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/** Most bytes a body may hold outside its image string: a real rest is a few KB, 64 KiB parses in ~1 ms. */
export const MAX_REST_BYTES = 64 * 1024;

/** Deepest nesting of objects and arrays allowed, the body itself counting 1; a synapse needs 3. */
export const MAX_DEPTH = 32;

/** Longest raw key that may still spell `image` with escapes (`\u0069` is six bytes a letter). */
const MAX_ESCAPED_IMAGE_KEY = 5 * 6;

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

/** Whether the key between quotes `open` and `close` is `image`, however it is escaped. */
function isImageKey(b: Buffer, open: number, close: number): boolean {
  const length = close - open - 1;
  if (length === 5) return b.toString('latin1', open + 1, close) === 'image';
  if (length > MAX_ESCAPED_IMAGE_KEY || b.subarray(open, close).indexOf(BACKSLASH) === -1) return false;
  try {
    return JSON.parse(b.toString('utf8', open, close + 1)) === 'image';
  } catch {
    return false; // a broken escape: the parse of the rest reports it
  }
}

/** What a body that is not an object holds, from its first byte (for a body too large to parse). */
function kindOf(c: number | undefined): string {
  if (c === OPEN_ARRAY) return 'an array';
  if (c === QUOTE) return 'a string';
  if (c === 0x74 || c === 0x66) return 'a boolean';
  if (c === 0x6e) return 'null';
  if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return 'a number';
  return 'no JSON value';
}

function refuse(message: string): RoadworkError {
  return new RoadworkError('ERR_BODY_INVALID_JSON', message);
}

function tooMuchRest(b: Buffer, rest: number): RoadworkError {
  let i = 0;
  while (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09) i++;
  if (b[i] !== OPEN_OBJECT) return refuse(`Request body must be a JSON object, got ${kindOf(b[i])}`);
  return refuse(
    `Request body holds more than ${MAX_REST_BYTES} bytes outside its image: ${rest}; a synapse's other fields are a few KB`,
  );
}

/**
 * Where the top-level `image` string sits, [open quote, close quote], or undefined; throws a coded
 * refusal for a body too deep, too large outside the image, or with two `image` keys. Follows strings
 * and nesting only; whether the rest is valid JSON is left to `JSON.parse`, which then sees a body
 * with the same tokens in the same order.
 */
function scan(b: Buffer): [number, number] | undefined {
  let depth = 0;
  let inObject = false; // the body opened with `{`: only then are there top-level keys
  let expectKey = false; // at depth 1, the next string is a key of the top-level object
  let keyIsImage = false; // the last top-level key was `image`: its value is the image
  let image: [number, number] | undefined;
  let imageKeys = 0;
  let imageBytes = 0;
  for (let j = 0; j < b.length; j++) {
    // Checked per byte outside strings and after each string, so a hostile body stops here early.
    if (j - imageBytes > MAX_REST_BYTES) throw tooMuchRest(b, b.length - imageBytes);
    const c = b[j];
    if (c === QUOTE) {
      const end = stringEnd(b, j);
      if (end === -1) break; // unterminated: the size check below, or JSON.parse of the small rest, says so
      if (depth === 1 && inObject && expectKey) {
        keyIsImage = isImageKey(b, j, end);
        if (keyIsImage && ++imageKeys > 1) {
          throw refuse('Request body has the key "image" twice; send one image');
        }
        expectKey = false;
      } else if (depth === 1 && inObject && keyIsImage && image === undefined) {
        image = [j, end];
        imageBytes = end - j - 1;
      }
      j = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > MAX_DEPTH) throw refuse(`Request body is nested deeper than ${MAX_DEPTH} levels`);
      if (depth === 1) inObject = c === OPEN_OBJECT;
      expectKey = depth === 1 && inObject;
      if (depth === 2) keyIsImage = false; // a non-string image value stays in the rest
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (c === COMMA && depth === 1) {
      expectKey = true;
      keyIsImage = false;
    }
  }
  if (b.length - imageBytes > MAX_REST_BYTES) throw tooMuchRest(b, b.length - imageBytes);
  return image;
}

/** `JSON.parse(body)`, bounded: the top-level `image` string is kept out of the parser, limits checked first. */
export function parseJsonBody(body: Buffer): unknown {
  const at = scan(body);
  // Once scanned, a body no larger than the rest limit is cheap to parse whole, escapes and all.
  if (at === undefined || body.length <= MAX_REST_BYTES) return JSON.parse(body.toString('utf8'));
  const [open, close] = at;
  const rest = Buffer.concat([body.subarray(0, open), Buffer.from('""'), body.subarray(close + 1)]);
  const data = JSON.parse(rest.toString('utf8')) as unknown;
  // The image sits at depth 1 of an object, so a rest that parses is that object; checked all the same.
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const escaped = body.subarray(open, close).indexOf(BACKSLASH) !== -1;
  // Base64 is ASCII: latin1 makes the same string without UTF-8 validation (a stray high byte fails
  // base64). Escapes are legal JSON but never needed in base64: a parse of the one string, still linear.
  (data as Record<string, unknown>).image = escaped
    ? (JSON.parse(body.toString('utf8', open, close + 1)) as string)
    : body.toString('latin1', open + 1, close);
  return data;
}
