/** Builds one challenge the way a validator's `forward` does: a label, an image of it, an augmentation. */
import { RoadworkError } from '../errors/index.js';
import { augmentImage, type AugmentLevel, type AugmentOptions, type AugmentParams } from './augment.js';
import type { LabelledImageSource } from './sources.js';
import type { Rng } from './_rng.js';

/** A ready-to-send challenge and its ground truth. */
export interface Challenge {
  /** Standard base64 of a 224×224 JPEG: the synapse's `image`. */
  readonly imageB64: string;
  readonly label: 0 | 1;
  readonly level: AugmentLevel;
  readonly group: string;
  readonly sourceId: string;
  readonly params: AugmentParams;
}

/**
 * Draws label 0 or 1 with equal probability, then a uniformly random image of that label, then an
 * augmentation level (p = 0.25 each unless `options.level` is given).
 */
export async function createChallenge(
  source: LabelledImageSource,
  rng: Rng,
  options: AugmentOptions = {},
): Promise<Challenge> {
  const label: 0 | 1 = rng.chance(0.5) ? 1 : 0;
  const candidates = source.images.filter((image) => image.label === label);
  if (candidates.length === 0) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `The image source has no images of label ${label}: ${source.name}. Add images of both labels.`,
    );
  }
  const image = rng.choice(candidates);
  const { imageB64, params } = await augmentImage(await image.load(), rng, options);
  return { imageB64, label, level: params.level, group: image.group, sourceId: image.id, params };
}
