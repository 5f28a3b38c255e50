// Image-byte mutations for the fault battery's fuzz scenario, built once: flipped and truncated bytes,
// frame headers that lie, broken tables, foreign formats, scan bombs, and odd but valid images.
import sharp from 'sharp';
import type { Rng } from '../src/core/random/index.js';
import { randomBytes } from './_fuzz.js';
import { noiseRgb, scanBomb } from './_images.js';

/** Valid images of every accepted format and a few odd shapes and colour spaces (base64). */
export async function validImages(scene: Buffer): Promise<string[]> {
  const s = sharp(scene);
  const out = [
    scene,
    await s.clone().png().toBuffer(),
    await s.clone().webp({ quality: 75 }).toBuffer(),
    await s.clone().jpeg({ quality: 75, progressive: true }).toBuffer(),
    await s.clone().greyscale().jpeg().toBuffer(),
    await s.clone().toColourspace('cmyk').jpeg().toBuffer(),
    await s.clone().resize(1, 1).jpeg().toBuffer(),
    await s.clone().resize(2000, 2, { fit: 'fill' }).jpeg().toBuffer(),
    await s.clone().ensureAlpha(0.5).png().toBuffer(),
    await s.clone().toColourspace('rgb16').png().toBuffer(),
    await s.clone().withMetadata({ orientation: 8 }).jpeg().toBuffer(),
  ];
  return out.map((b) => b.toString('base64'));
}

/** `count` mutants of `seeds` (base64), each a different mutation; deterministic for one rng seed. */
export async function imageMutants(rng: Rng, seeds: readonly Buffer[], count: number): Promise<string[]> {
  const fixed = await fixedMutants(seeds[0]!);
  const out: Buffer[] = [...fixed];
  while (out.length < count) out.push(mutate(rng, rng.choice(seeds)));
  return out.map((b) => b.toString('base64'));
}

// Mutations that need an encoder, made once each.
async function fixedMutants(jpeg: Buffer): Promise<Buffer[]> {
  const progressive = await sharp(jpeg).resize(256, 256).jpeg({ quality: 75, progressive: true }).toBuffer();
  const png = await sharp(jpeg).png().toBuffer();
  const hugePng = Buffer.from(png);
  hugePng.writeUInt32BE(30_000, 16);
  hugePng.writeUInt32BE(30_000, 20);
  // Inside the pixel limit but costly: a flat 3000×3000 PNG is a few KB and 27 MB once decoded.
  const flat = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#808080' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  const noisy = await sharp(noiseRgb(640, 480, 7), { raw: { width: 640, height: 480, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
  return [
    scanBomb(progressive, 65),
    scanBomb(progressive, 300),
    scanBomb(progressive, 1000),
    hugePng,
    flat,
    noisy,
    withSof(jpeg, 0, 0),
    withSof(jpeg, 65_535, 65_535),
    withSof(jpeg, 8000, 7000),
    withSof(jpeg, 1, 1),
    withSof(jpeg, 224, 65_535),
    Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'),
    Buffer.from('BM' + '\0'.repeat(60), 'latin1'),
    Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="99999" height="99999"/>'),
    Buffer.from('II*\0' + '\0'.repeat(60), 'latin1'),
    Buffer.from('\0\0\0\x1cftypavif' + '\0'.repeat(40), 'latin1'),
    Buffer.from('%PDF-1.4\n'),
    Buffer.from([0xff, 0xd8, 0xff]),
    Buffer.from([0xff, 0xd8, 0xff, 0xd9]),
    Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'),
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
  ];
}

// A copy whose first frame header (SOF0/SOF2) declares `width × height`.
function withSof(jpeg: Buffer, width: number, height: number): Buffer {
  const copy = Buffer.from(jpeg);
  const sof = Math.max(copy.indexOf(Buffer.from([0xff, 0xc0])), copy.indexOf(Buffer.from([0xff, 0xc2])));
  if (sof === -1) return copy;
  copy.writeUInt16BE(height, sof + 5);
  copy.writeUInt16BE(width, sof + 7);
  return copy;
}

function mutate(rng: Rng, seed: Buffer): Buffer {
  const b = Buffer.from(seed);
  const op = rng.int(0, 9);
  if (op <= 2) {
    // Anywhere: most land in entropy-coded data, where libjpeg may only warn.
    for (let i = 0, n = rng.int(1, 16); i < n; i++) b[rng.int(0, b.length - 1)] = rng.int(0, 255);
    return b;
  }
  if (op === 3) {
    // In the headers and tables.
    for (let i = 0, n = rng.int(1, 4); i < n; i++)
      b[rng.int(2, Math.min(b.length, 640) - 1)] = rng.int(0, 255);
    return b;
  }
  if (op === 4) return b.subarray(0, rng.int(2, b.length - 1));
  if (op === 5) return withSof(b, rng.int(0, 70_000) & 0xffff, rng.int(0, 70_000) & 0xffff);
  if (op === 6) {
    // A marker spliced in somewhere.
    const at = rng.int(2, b.length - 1);
    const marker = Buffer.from([
      0xff,
      rng.choice([0xc0, 0xc4, 0xd8, 0xd9, 0xda, 0xdb, 0xdd, 0xe1, 0xfe, 0x00]),
    ]);
    return Buffer.concat([b.subarray(0, at), marker, randomBytes(rng, rng.int(0, 8)), b.subarray(at)]);
  }
  if (op === 7) {
    // A segment repeated many times after SOI.
    const seg = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x10]), randomBytes(rng, 14)]);
    return Buffer.concat([b.subarray(0, 2), ...Array<Buffer>(rng.int(10, 3000)).fill(seg), b.subarray(2)]);
  }
  if (op === 8) {
    // A segment whose length field lies.
    const at = b.indexOf(Buffer.from([0xff, rng.choice([0xdb, 0xc4, 0xc0, 0xda, 0xe0])]));
    if (at !== -1) b.writeUInt16BE(rng.choice([0, 1, 2, 0xffff, rng.int(0, 0xffff)]), at + 2);
    return b;
  }
  // Tail bytes replaced: a broken end of image.
  return Buffer.concat([
    b.subarray(0, Math.max(2, b.length - rng.int(1, 64))),
    randomBytes(rng, rng.int(0, 64)),
  ]);
}
