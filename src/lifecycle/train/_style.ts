// Training-only views that destroy photo-style cues (white balance, colour cast, saturation), so a
// head cannot tell a camera by its colours: grey-world balance, random colour jitter, grayscale.
import type { RgbImage } from '../../inference/image/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { createRng } from '../../core/random/index.js';

/** The style-destroying transforms `--style-views` may name. */
export const STYLE_KINDS = ['greyworld', 'jitter', 'grey'] as const;
export type StyleKind = (typeof STYLE_KINDS)[number];

/** Parses `--style-views` (comma-separated kinds; empty = none); ERR_CONFIG_INVALID on an unknown one. */
export function parseStyleKinds(text: string): StyleKind[] {
  const kinds = text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  for (const k of kinds) {
    if (!(STYLE_KINDS as readonly string[]).includes(k))
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Invalid --style-views: ${k}; valid kinds are ${STYLE_KINDS.join(', ')}`,
      );
  }
  return [...new Set(kinds)] as StyleKind[];
}

const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/**
 * The image under a style transform. `greyworld`: each channel scaled so its mean is the grey mean
 * (removes a camera's colour cast); `jitter`: per-channel gain 0.75–1.25, brightness ±20 %, saturation
 * 0.5–1.5, drawn from `seed`; `grey`: luma in all three channels.
 */
export function styleTransform(image: RgbImage, kind: StyleKind, seed: string): RgbImage {
  const src = image.data;
  const out = new Uint8Array(src.length);
  if (kind === 'grey') {
    for (let i = 0; i < src.length; i += 3) {
      const y = clamp(0.299 * src[i]! + 0.587 * src[i + 1]! + 0.114 * src[i + 2]!);
      out[i] = y;
      out[i + 1] = y;
      out[i + 2] = y;
    }
  } else if (kind === 'greyworld') {
    const sum = [0, 0, 0];
    for (let i = 0; i < src.length; i++) sum[i % 3]! += src[i]!;
    const grey = (sum[0]! + sum[1]! + sum[2]!) / 3;
    const gain = sum.map((s) => (s > 0 ? grey / s : 1));
    for (let i = 0; i < src.length; i++) out[i] = clamp(src[i]! * gain[i % 3]!);
  } else {
    const rng = createRng(`style|${seed}`);
    const gain = [0, 1, 2].map(() => rng.uniform(0.75, 1.25));
    const bright = rng.uniform(0.8, 1.2);
    const sat = rng.uniform(0.5, 1.5);
    for (let i = 0; i < src.length; i += 3) {
      const r = src[i]! * gain[0]! * bright;
      const g = src[i + 1]! * gain[1]! * bright;
      const b = src[i + 2]! * gain[2]! * bright;
      const y = 0.299 * r + 0.587 * g + 0.114 * b;
      out[i] = clamp(y + (r - y) * sat);
      out[i + 1] = clamp(y + (g - y) * sat);
      out[i + 2] = clamp(y + (b - y) * sat);
    }
  }
  return { data: out, width: image.width, height: image.height };
}
