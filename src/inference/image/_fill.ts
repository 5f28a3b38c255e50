// Refuses a JPEG whose coded data is too small to fill the frame it declares, before any decode: such a
// file is corrupt, and libjpeg would allocate the whole frame and fill what is missing with grey.

/** How a JPEG's scans are entropy-coded, and how many bytes of coded data they carry together. */
export interface JpegScanData {
  readonly coding: 'huffman' | 'arithmetic';
  readonly bytes: number;
}

/**
 * Fewest bytes of Huffman-coded scan data an honest JPEG of `width × height` can hold: one per 16
 * luma-sized 8×8 blocks, half a bit per block. Every block of every component costs at least one bit
 * (a DC code; baseline adds an end-of-block code), and the component with the largest sampling factors
 * has a block for every 8×8 of the frame, so a real file can never hold less than twice this, and the
 * flattest images sharp writes hold several times that (see fill.test.ts). Lossless frames (SOF3) cost
 * at least a bit per sample, far more.
 */
export function minJpegScanBytes(width: number, height: number): number {
  return Math.ceil((Math.ceil(width / 8) * Math.ceil(height / 8)) / 16);
}

/**
 * Reads the frame's coding and sums the bytes of every scan's entropy-coded data (restart markers
 * included, headers and metadata not, so a large EXIF or ICC profile cannot make up for missing
 * scans). Undefined when there is no frame header before the first scan.
 */
export function readJpegScanData(b: Uint8Array): JpegScanData | undefined {
  let coding: JpegScanData['coding'] | undefined;
  let total = 0;
  let i = 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return coding && { coding, bytes: total }; // garbage: leave it to libjpeg
    const marker = b[i + 1]!;
    if (marker === 0xff || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += marker === 0xff ? 1 : 2;
      continue;
    }
    if (marker === 0xd9) break;
    const length = (b[i + 2]! << 8) | b[i + 3]!;
    if (isSof(marker)) coding ??= marker >= 0xc9 ? 'arithmetic' : 'huffman';
    i += 2 + Math.max(2, length);
    if (marker === 0xda) {
      if (coding === undefined) return undefined;
      const end = scanEnd(b, i);
      total += end - i;
      i = end;
    }
  }
  return coding && { coding, bytes: total };
}

function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

// Entropy-coded data runs to the first 0xFF that is not a stuffed 0x00 or a restart marker.
function scanEnd(b: Uint8Array, from: number): number {
  let i = from;
  for (;;) {
    i = b.indexOf(0xff, i);
    if (i < 0 || i + 1 >= b.length) return b.length;
    const next = b[i + 1]!;
    if (next !== 0x00 && (next < 0xd0 || next > 0xd7)) return i;
    i += 2;
  }
}
