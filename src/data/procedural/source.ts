/** Synthetic scenes as a `LabelledImageSource`: N images, generated and JPEG-encoded only when loaded. */
import sharp from 'sharp';
import { createRng } from '../../core/random/index.js';
import { type LabelledImage, type LabelledImageSource } from '../sources/index.js';
import { generateScene } from './scene.js';

/** Options of `synthSource`. */
export interface SynthSourceOptions {
  /** Seed of the whole set; image i uses `${seed}:${i}` (default 'synth'). */
  readonly seed?: string | number;
  /** Scene size in pixels (default 640×480). */
  readonly width?: number;
  readonly height?: number;
  /** JPEG quality of the stored images (default 90, so the validator's own JPEG dominates). */
  readonly quality?: number;
}

/** Encodes a scene's RGB as a JPEG. */
export function encodeScene(rgb: Uint8Array, width: number, height: number, quality = 90): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality })
    .toBuffer();
}

/** `count` synthetic images, alternating labels (even index: roadwork) so both classes are equal. */
export function synthSource(count: number, options: SynthSourceOptions = {}): LabelledImageSource {
  const seed = String(options.seed ?? 'synth');
  const images: LabelledImage[] = Array.from({ length: count }, (_, i) => {
    const label: 0 | 1 = i % 2 === 0 ? 1 : 0;
    return Object.freeze({
      id: `synth:${seed}:${i}`,
      label,
      group: 'synth',
      load: async () => {
        const scene = generateScene(createRng(`${seed}:${i}`), {
          roadwork: label === 1,
          width: options.width,
          height: options.height,
        });
        return encodeScene(scene.rgb, scene.width, scene.height, options.quality);
      },
    });
  });
  return Object.freeze({ name: `synth:${seed}`, images: Object.freeze(images) });
}
