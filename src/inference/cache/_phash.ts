/** A 64-bit DCT perceptual hash of an RGB image: the cache key of a prediction. */
import type { RgbImage } from '../image/index.js';

const SIDE = 32;
const BAND = 8;

// cos((2x + 1) u π / 2N) for the low frequencies only: a constant table, computed once.
const COS: readonly Float64Array[] = Array.from({ length: BAND + 1 }, (_, u) =>
  Float64Array.from({ length: SIDE }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIDE))),
);

// Area-average to 32×32 luma (BT.601): every source pixel counts, so JPEG noise averages out.
function greyThumbnail(image: RgbImage): Float64Array {
  const { data, width, height } = image;
  const out = new Float64Array(SIDE * SIDE);
  for (let ty = 0; ty < SIDE; ty++) {
    const y0 = Math.floor((ty * height) / SIDE);
    const y1 = Math.max(y0 + 1, Math.floor(((ty + 1) * height) / SIDE));
    for (let tx = 0; tx < SIDE; tx++) {
      const x0 = Math.floor((tx * width) / SIDE);
      const x1 = Math.max(x0 + 1, Math.floor(((tx + 1) * width) / SIDE));
      let sum = 0;
      for (let y = y0; y < y1; y++) {
        let i = (y * width + x0) * 3;
        for (let x = x0; x < x1; x++, i += 3) {
          sum += 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
        }
      }
      out[ty * SIDE + tx] = sum / ((y1 - y0) * (x1 - x0));
    }
  }
  return out;
}

/**
 * The pHash of an image: 16 hex digits. Bits are the 8×8 lowest non-DC DCT coefficients of a 32×32
 * grey thumbnail, each set when above their median. Flips change the sign of odd frequencies, so a
 * flipped copy hashes differently; re-encoding the same pixels moves only near-median bits.
 */
export function perceptualHash(image: RgbImage): string {
  const { data, width, height } = image;
  if (width < 1 || height < 1 || data.length < width * height * 3) {
    throw new RangeError(`Image buffer too small for ${width}x${height} RGB: ${data.length} bytes.`);
  }
  const grey = greyThumbnail(image);
  // Separable DCT-II, only rows/columns 1..8 (the DC row and column carry brightness, not structure).
  const rows = new Float64Array(BAND * SIDE);
  for (let v = 1; v <= BAND; v++) {
    const c = COS[v]!;
    for (let x = 0; x < SIDE; x++) {
      let s = 0;
      for (let y = 0; y < SIDE; y++) s += c[y]! * grey[y * SIDE + x]!;
      rows[(v - 1) * SIDE + x] = s;
    }
  }
  const coefs = new Float64Array(BAND * BAND);
  for (let v = 0; v < BAND; v++) {
    for (let u = 1; u <= BAND; u++) {
      const c = COS[u]!;
      let s = 0;
      for (let x = 0; x < SIDE; x++) s += c[x]! * rows[v * SIDE + x]!;
      coefs[v * BAND + u - 1] = s;
    }
  }
  const sorted = Float64Array.from(coefs).sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let n = 0;
    for (let b = 0; b < 4; b++) n = (n << 1) | (coefs[nibble * 4 + b]! > median ? 1 : 0);
    hex += n.toString(16);
  }
  return hex;
}

/** Bits that differ between two hashes of equal length. */
export function hammingDistance(a: string, b: string): number {
  if (a.length !== b.length) throw new RangeError(`Hashes differ in length: ${a.length} and ${b.length}.`);
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    let x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    for (; x > 0; x >>= 1) d += x & 1;
  }
  return d;
}
