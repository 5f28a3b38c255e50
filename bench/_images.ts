// Images for the fault battery: validator-like 224² scenes, large noisy photos-to-be, and JPEG scan bombs.
import sharp from 'sharp';
import { generateScene } from '../src/data/procedural/index.js';
import { createRng } from '../src/core/random/index.js';

/** A 224×224 quality-75 JPEG of a synthetic street scene, as 2.0.4 validators send. */
export async function sceneJpeg(seed: string, roadwork = true): Promise<Buffer> {
  const scene = generateScene(createRng(seed), { roadwork, width: 320, height: 240 });
  return sharp(scene.rgb, { raw: { width: scene.width, height: scene.height, channels: 3 } })
    .resize(224, 224, { fit: 'cover' })
    .jpeg({ quality: 75 })
    .toBuffer();
}

/** `n` distinct scenes (so a prediction cache cannot answer them), base64. */
export async function sceneImages(n: number, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push((await sceneJpeg(`${prefix}-${i}`, i % 2 === 0)).toString('base64'));
  return out;
}

/**
 * `n` distinct 224² scene JPEGs, base64, cheaply: `bases` procedural scenes, each copy under its own
 * seeded noise of ±`noise` (so every image differs in bytes, pixels and pHash, as validator traffic does)
 * and encoded anew; ~1 ms an image where a fresh scene costs ~7.
 */
export async function distinctSceneImages(
  n: number,
  prefix: string,
  o: { bases?: number; noise?: number } = {},
): Promise<string[]> {
  const bases: Buffer[] = [];
  for (let i = 0; i < Math.min(n, o.bases ?? 32); i++) {
    const scene = generateScene(createRng(`${prefix}-${i}`), {
      roadwork: i % 2 === 0,
      width: 320,
      height: 240,
    });
    bases.push(
      await sharp(scene.rgb, { raw: { width: scene.width, height: scene.height, channels: 3 } })
        .resize(224, 224, { fit: 'cover' })
        .raw()
        .toBuffer(),
    );
  }
  const noise = o.noise ?? 6;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const rgb = Buffer.from(bases[i % bases.length]!);
    let s = (i + 1) * 2654435761;
    for (let k = 0; k < rgb.length; k++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const v = rgb[k]! + ((s >>> 0) % (2 * noise + 1)) - noise;
      rgb[k] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    const jpeg = await sharp(rgb, { raw: { width: 224, height: 224, channels: 3 } })
      .jpeg({ quality: 75 })
      .toBuffer();
    out.push(jpeg.toString('base64'));
  }
  return out;
}

/**
 * A `width × height` RGB of diagonal gradients under per-pixel noise of ±`noise`: noise keeps the JPEG
 * large (it does not compress), gradients keep it an image rather than static.
 */
export function noiseRgb(width: number, height: number, seed: number, noise = 48): Buffer {
  const rgb = Buffer.alloc(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const g = ((x + y) * 255) / (width + height);
      for (let c = 0; c < 3; c++) {
        // xorshift32: fast, and the bytes only need to look random to the encoder.
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        const v = (c === 0 ? g : c === 1 ? 255 - g : (x * 255) / width) + ((s >>> 0) % (2 * noise)) - noise;
        rgb[i + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return rgb;
}

/** A large valid JPEG (noise over gradients), as 0.4.x validators send source-size images. */
export async function noiseJpeg(
  width: number,
  height: number,
  o: { seed?: number; quality?: number; progressive?: boolean } = {},
): Promise<Buffer> {
  return sharp(noiseRgb(width, height, o.seed ?? 1), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: o.quality ?? 75, progressive: o.progressive ?? false })
    .toBuffer();
}

/**
 * A progressive JPEG whose last scan is repeated until it has `scans` scans in all: every scan is another
 * full pass over the coefficients, so a few hundred make a small file cost seconds to decode.
 */
export function scanBomb(progressive: Buffer, scans: number): Buffer {
  const sos = Buffer.from([0xff, 0xda]);
  let own = 0;
  for (let i = progressive.indexOf(sos); i !== -1; i = progressive.indexOf(sos, i + 2)) own++;
  const last = progressive.lastIndexOf(sos);
  if (own === 0 || last === -1) throw new Error('scanBomb() needs a progressive JPEG');
  const tail = progressive.subarray(last, progressive.length - 2);
  return Buffer.concat([
    progressive.subarray(0, progressive.length - 2),
    ...Array<Buffer>(Math.max(0, scans - own)).fill(tail),
    Buffer.from([0xff, 0xd9]),
  ]);
}
