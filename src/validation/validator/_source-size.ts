/**
 * Protocol 0.4 challenges (PROTOCOL §9): a label 50/50, a source one third each of `real`, `synthetic`
 * and `api`, and the chosen image JPEG-encoded at quality 75 at the size it has — no augmentation.
 */
import { RoadworkError } from '../../core/errors/index.js';
import { encodeJpeg } from '../../inference/image/index.js';
import {
  SkippedImages,
  drawReadable,
  type LabelledImage,
  type LabelledImageSource,
} from '../../data/sources/index.js';
import { createRng, type Rng } from '../../core/random/index.js';

/** Where a 0.4 challenge's image comes from (`challenge/selector.py`). */
export type ChallengeOrigin = 'real' | 'synthetic' | 'api';

/** The three origins in the order the selector lists them. */
export const CHALLENGE_ORIGINS: readonly ChallengeOrigin[] = Object.freeze(['synthetic', 'real', 'api']);

/** One image pool per origin. */
export type ChallengePools = Readonly<Record<ChallengeOrigin, LabelledImageSource>>;

/** A source-size challenge before it is wrapped as a `Challenge`. */
export interface SourceSizeDraw {
  readonly jpeg: Buffer;
  readonly label: 0 | 1;
  readonly origin: ChallengeOrigin;
  readonly image: LabelledImage;
  readonly size: { readonly width: number; readonly height: number };
}

const HELD_OUT_SHARE = 1 / 3;

function heldOut(key: string): boolean {
  return createRng(`api-pool|${key}`).next() < HELD_OUT_SHARE;
}

/**
 * Splits one label's images into kept and held out, by whole groups when there are two or more (so
 * frames of one drive never sit in both pools), else by image; each side keeps at least one.
 */
function splitLabel(images: readonly LabelledImage[]): [LabelledImage[], LabelledImage[]] {
  if (images.length < 2) return [[...images], [...images]];
  const groups = [...new Set(images.map((i) => i.group))].sort();
  const byGroup = groups.length >= 2;
  const keys = byGroup ? groups : images.map((i) => i.id).sort();
  let held = new Set(keys.filter(heldOut));
  if (held.size === 0) held = new Set([keys[keys.length - 1] as string]);
  if (held.size === keys.length) held.delete(keys[0] as string);
  const key = (i: LabelledImage) => (byGroup ? i.group : i.id);
  return [images.filter((i) => !held.has(key(i))), images.filter((i) => held.has(key(i)))];
}

/**
 * The three pools from labelled real images and a synthetic set: about a third of the real images'
 * groups (per label, chosen by a stable hash of the group) are held out as the "api-like" pool, the
 * rest are `real`. The same data always splits the same way.
 */
export function challengePools(real: LabelledImageSource, synthetic: LabelledImageSource): ChallengePools {
  const kept: LabelledImage[] = [];
  const held: LabelledImage[] = [];
  for (const label of [1, 0] as const) {
    const [k, h] = splitLabel(real.images.filter((i) => i.label === label));
    kept.push(...k);
    held.push(...h);
  }
  return Object.freeze({
    real: Object.freeze({ name: real.name, images: Object.freeze(kept) }),
    api: Object.freeze({ name: `${real.name} (held out, api-like)`, images: Object.freeze(held) }),
    synthetic,
  });
}

/**
 * Draws a label, then an origin, then an image of that label from its pool, and encodes it at its
 * size. An unreadable image is recorded in `options.skips` and another of that label drawn.
 */
export async function drawSourceSize(
  pools: ChallengePools,
  rng: Rng,
  options: { readonly quality?: number; readonly skips?: SkippedImages } = {},
): Promise<SourceSizeDraw> {
  const label: 0 | 1 = rng.chance(0.5) ? 1 : 0;
  const origin = rng.choice(CHALLENGE_ORIGINS);
  const pool = pools[origin];
  const candidates = pool.images.filter((image) => image.label === label);
  if (candidates.length === 0) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `The ${origin} pool has no images of label ${label}: ${pool.name}. Add images of both labels.`,
    );
  }
  const { image, rgb } = await drawReadable(candidates, rng, {
    skips: options.skips ?? new SkippedImages(),
    source: pool.name,
    what: `images of label ${label}`,
  });
  const jpeg = await encodeJpeg(rgb, { quality: options.quality });
  return { jpeg, label, origin, image, size: { width: rgb.width, height: rgb.height } };
}
