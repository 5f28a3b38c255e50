// Reads the format and declared dimensions from an image header without decoding any pixels.
import { RoadworkError } from '../../core/errors/index.js';

/** The formats the miner accepts. */
export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** What an image header declares. */
export interface ImageHeader {
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
}

/** Sniffs magic bytes and reads the declared size; throws ERR_IMAGE_FORMAT for anything else. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const format = sniffFormat(bytes);
  const size = format === 'jpeg' ? jpegSize(bytes) : format === 'png' ? pngSize(bytes) : webpSize(bytes);
  if (size === undefined || size.width <= 0 || size.height <= 0) {
    throw formatError(`the ${format} header has no readable size (${bytes.length} bytes)`);
  }
  return { format, ...size };
}

function sniffFormat(b: Uint8Array): ImageFormat {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && ascii(b, 1, 3) === 'PNG' && b[0] === 0x89 && b[4] === 0x0d && b[5] === 0x0a) {
    return 'png';
  }
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  const head = Buffer.from(b.subarray(0, 8)).toString('hex') || '(empty)';
  throw formatError(`unrecognised magic bytes ${head}`);
}

type Size = { width: number; height: number } | undefined;

// Walks JPEG markers to the first SOFn frame header; progressive and lossless frames count too.
function jpegSize(b: Uint8Array): Size {
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // standalone markers carry no length
      continue;
    }
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 8 >= b.length) return undefined;
      return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    }
    if (marker === 0xda || marker === 0xd9 || length < 2) return undefined; // scan or end before a frame
    i += 2 + length;
  }
  return undefined;
}

function pngSize(b: Uint8Array): Size {
  if (b.length < 24 || ascii(b, 12, 4) !== 'IHDR') return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function webpSize(b: Uint8Array): Size {
  if (b.length < 30) return undefined;
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8 ') {
    return { width: (b[26]! | (b[27]! << 8)) & 0x3fff, height: (b[28]! | (b[29]! << 8)) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (b[20] !== 0x2f) return undefined;
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    return {
      width: (b[24]! | (b[25]! << 8) | (b[26]! << 16)) + 1,
      height: (b[27]! | (b[28]! << 8) | (b[29]! << 16)) + 1,
    };
  }
  return undefined;
}

function ascii(b: Uint8Array, start: number, length: number): string {
  return Buffer.from(b.subarray(start, start + length)).toString('latin1');
}

function formatError(detail: string): RoadworkError {
  return new RoadworkError(
    'ERR_IMAGE_FORMAT',
    `Image is not a readable JPEG, PNG or WebP: ${detail}; send a JPEG.`,
  );
}
