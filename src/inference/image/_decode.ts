// Hardened image decoding: cheap checks on the header first, then a bounded decode to packed RGB
// (libjpeg-turbo via @napi-rs/image for plain JPEGs, sharp for everything else).
import sharp, { type ResizeOptions, type Sharp } from 'sharp';
import { withTimeout } from '../../core/clock/index.js';
import { RoadworkError, isRoadworkError } from '../../core/errors/index.js';
import type { RgbImage } from './_rgb.js';
import { decodeStrictBase64 } from './_base64.js';
import { readImageHeader, type ImageHeader } from './_sniff.js';
import { decodePlainJpeg, isPlainJpeg } from './_fast-jpeg.js';
import { SHORT_SIDE_MAX_ASPECT, policyFor, type ImagePolicy, type InputPolicy } from './_policy.js';
import { countJpegScans } from './_scans.js';
import { minJpegScanBytes, readJpegScanData } from './_fill.js';

/** Limits for decoding untrusted images. */
export interface DecodeOptions {
  /** Longest base64 string accepted. Default 22 369 624 (16 MiB of image). */
  readonly maxBase64Chars?: number;
  /** Most pixels (width × height) an image may declare. Default 50 000 000 (8000×6000 fits). */
  readonly maxPixels?: number;
  /** Wall-clock cap on the decode. Default 4000 ms. */
  readonly timeoutMs?: number;
  /**
   * Most scans a JPEG may have. Default 64: encoders write 1 (baseline) to about 10-20 (progressive);
   * hundreds are a scan bomb, whose decode costs a full pass over every block per scan.
   */
  readonly maxScans?: number;
  /**
   * Fit the image into the model's square while decoding (shrink-on-load: libjpeg's DCT scaling reads a
   * 12 MP JPEG at 1/8 size), so no full-resolution pixels are ever held. Without it, the image is
   * decoded at its own size (tools that need every pixel). A size-routed policy is resolved on the
   * header's size; the image keeps that size as `source`.
   */
  readonly policy?: InputPolicy;
  /**
   * Waits for a turn to decode, called once the header has passed every check (so an image that is
   * refused never waits); resolves with the function that ends the turn. The axon gates large images.
   */
  readonly turn?: (header: ImageHeader) => Promise<() => void>;
  /**
   * sharp's `failOn`. Default `'error'`: truncated or corrupt pixel data is refused (validators' PIL
   * JPEGs are well formed, so a broken one is hostile or damaged), while mere libjpeg warnings such as
   * extraneous bytes still decode. PIL would be laxer; matching it would hide damage as a guess.
   */
  readonly failOn?: 'none' | 'truncated' | 'error' | 'warning';
}

const DEFAULTS = Object.freeze({
  maxBase64Chars: Math.ceil((16 << 20) / 3) * 4,
  maxPixels: 50_000_000,
  timeoutMs: 4000,
  maxScans: 64,
  failOn: 'error' as const,
});

/** Decodes standard base64 of a JPEG/PNG/WebP into packed 3-channel RGB. */
export function decodeBase64Image(b64: string, options: DecodeOptions = {}): Promise<RgbImage> {
  const maxChars = options.maxBase64Chars ?? DEFAULTS.maxBase64Chars;
  try {
    return decodeImage(decodeStrictBase64(b64, maxChars), options);
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Decodes JPEG/PNG/WebP bytes into packed 3-channel RGB (EXIF-oriented, alpha dropped, grey expanded),
 * fitted to `options.policy` when given. The only image decode of the miner: serving, `eval --offline`
 * and training all call it, so a model sees the same pixels everywhere.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<RgbImage> {
  const header = checkedHeader(bytes, options);
  const endTurn = await options.turn?.(header);
  const running = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    running.add(work);
    const done = () => void running.delete(work);
    work.then(done, done);
  };
  try {
    return await decodeChecked(bytes, header, options, track);
  } finally {
    // A decode that lost to the timer keeps its thread until libvips' own timeout stops it: the
    // turn is held until then, so a timed-out image cannot let more decodes start than there are turns.
    if (running.size === 0) endTurn?.();
    else if (endTurn) void Promise.allSettled([...running]).then(endTurn);
  }
}

// The cheap checks, before any pixel is decoded or any turn waited for.
function checkedHeader(bytes: Uint8Array, options: DecodeOptions): ImageHeader {
  const maxPixels = options.maxPixels ?? DEFAULTS.maxPixels;
  const header = readImageHeader(bytes);
  // Trust nothing but the header here: a 60-byte PNG can declare 30000×30000 and exhaust memory.
  if (header.width * header.height > maxPixels) {
    throw new RoadworkError(
      'ERR_IMAGE_TOO_LARGE',
      `Image declares too many pixels: ${header.width}×${header.height} (limit ${maxPixels}); send a smaller image.`,
    );
  }
  const maxScans = options.maxScans ?? DEFAULTS.maxScans;
  if (header.format === 'jpeg' && countJpegScans(bytes, maxScans) > maxScans) {
    throw new RoadworkError(
      'ERR_IMAGE_TOO_COMPLEX',
      `JPEG has too many scans: over ${maxScans}; send a baseline or ordinary progressive JPEG.`,
    );
  }
  if (header.format === 'jpeg') checkJpegFill(bytes, header);
  return header;
}

/**
 * A JPEG's scans must hold enough coded bytes to fill its declared frame: a small image with its frame
 * header rewritten to 7000×7000 would otherwise cost seconds and hundreds of MB of native memory to
 * decode, and libjpeg would answer the missing area with grey and a mere warning. Arithmetic-coded
 * frames (SOF9-SOF15) are left to the pixel, scan and time limits: their adaptive coder spends far
 * under a bit on a flat block, so no useful floor exists, and libjpeg-turbo decodes them.
 * PNG and WebP have no such floor either: zlib and VP8L legitimately shrink a flat frame to almost nothing.
 */
function checkJpegFill(bytes: Uint8Array, header: ImageHeader): void {
  const scans = readJpegScanData(bytes);
  if (scans?.coding !== 'huffman') return;
  const needed = minJpegScanBytes(header.width, header.height);
  if (scans.bytes < needed) {
    throw new RoadworkError(
      'ERR_IMAGE_FORMAT',
      `JPEG is corrupt: it declares ${header.width}×${header.height} pixels but holds ${scans.bytes} bytes of ` +
        `image data, too few to encode them (at least ${needed}); send the image as it was encoded.`,
    );
  }
}

async function decodeChecked(
  bytes: Uint8Array,
  header: ImageHeader,
  options: DecodeOptions,
  track: (work: Promise<unknown>) => void,
): Promise<RgbImage> {
  const maxPixels = options.maxPixels ?? DEFAULTS.maxPixels;
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const policy =
    options.policy === undefined ? undefined : policyFor(options.policy, header.width, header.height);
  const source = { width: header.width, height: header.height };
  const exact = policy === undefined || (header.width === policy.size && header.height === policy.size);
  if (header.format === 'jpeg' && exact && isPlainJpeg(bytes)) {
    // Any failure of the fast path falls through to sharp, whose error messages are the reference.
    const fast = decodePlainJpeg(bytes, header.width, header.height);
    track(fast);
    const data = await decodeWithin(fast, timeoutMs).catch((err: unknown) => {
      if (isRoadworkError(err, 'ERR_IMAGE_DECODE_TIMEOUT')) throw err;
      return undefined;
    });
    if (data !== undefined) return { data, width: header.width, height: header.height, source };
  }
  let pipeline = sharp(bytes, {
    failOn: options.failOn ?? DEFAULTS.failOn,
    limitInputPixels: maxPixels,
    autoOrient: true,
    sequentialRead: true,
  })
    // libvips' own timer is whole seconds; it stops runaway work that our timer has already given up on.
    .timeout({ seconds: Math.max(1, Math.ceil(timeoutMs / 1000)) });
  if (policy !== undefined) pipeline = resizeTo(pipeline, policy, header);
  pipeline = pipeline.removeAlpha().toColourspace('srgb').raw();
  const work = pipeline.toBuffer({ resolveWithObject: true });
  track(work);
  const { data, info } = await decodeWithin(work, timeoutMs);
  if (info.channels !== 3) {
    throw new RoadworkError(
      'ERR_IMAGE_FORMAT',
      `Image decoded to an unexpected channel count: ${info.channels}; send an RGB or greyscale image.`,
    );
  }
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    source,
  };
}

const FIT = {
  'center-crop': 'cover',
  letterbox: 'contain',
  squash: 'fill',
  'short-side': 'outside',
} as const;

/**
 * The policy's resize. `short-side` keeps the shape (`outside`: the shorter side becomes `size`) unless
 * the frame is more elongated than `SHORT_SIDE_MAX_ASPECT`, which is fitted inside `aspect·size`
 * instead; the test reads the header's sides, which EXIF rotation swaps but never changes in ratio.
 */
function resizeTo(pipeline: Sharp, policy: ImagePolicy, header: ImageHeader): Sharp {
  const { width, height } = header;
  if (
    policy.resize === 'short-side' &&
    Math.max(width, height) > SHORT_SIDE_MAX_ASPECT * Math.min(width, height)
  ) {
    const side = SHORT_SIDE_MAX_ASPECT * policy.size;
    return pipeline.resize(side, side, { ...resizeOptions(policy), fit: 'inside' });
  }
  return pipeline.resize(policy.size, policy.size, resizeOptions(policy));
}

// Black bars for letterbox, as upstream validators drew them (April 2026); sharp shrinks on load itself.
function resizeOptions(policy: ImagePolicy): ResizeOptions {
  return {
    fit: FIT[policy.resize],
    position: 'centre',
    kernel: policy.kernel,
    background: { r: 0, g: 0, b: 0, alpha: 1 },
  };
}

async function decodeWithin<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  const tooSlow = () =>
    new RoadworkError(
      'ERR_IMAGE_DECODE_TIMEOUT',
      `Image decode took too long: over ${timeoutMs} ms; send a smaller or simpler image.`,
    );
  // The losing decode still settles later; swallow it so it cannot surface as an unhandled rejection.
  work.catch(() => undefined);
  try {
    return await withTimeout(work, timeoutMs, tooSlow);
  } catch (err) {
    if (isRoadworkError(err)) throw err;
    throw new RoadworkError(
      'ERR_IMAGE_FORMAT',
      `Image data is corrupt or truncated: ${errorText(err)}; send a valid JPEG.`,
      {
        cause: err,
      },
    );
  }
}

function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim();
}
