/** Builds one challenge the way a validator's `forward` does, in either generation (PROTOCOL §5, §9). */
import { RoadworkError } from '../../core/errors/index.js';
import { augmentImage, type AugmentLevel, type AugmentOptions, type AugmentParams } from './augment.js';
import { DEFAULT_PROTOCOL, type ValidatorProtocol } from '../../wire/protocol/index.js';
import type { Rng } from '../../core/random/index.js';
import { challengePools, drawSourceSize, type ChallengeOrigin, type ChallengePools } from './_source-size.js';
import { SkippedImages, drawReadable, type LabelledImageSource } from '../../data/sources/index.js';

/** A ready-to-send challenge and its ground truth. */
export interface Challenge {
  /** Standard base64 of the JPEG: the synapse's `image`. */
  readonly imageB64: string;
  readonly label: 0 | 1;
  readonly group: string;
  readonly sourceId: string;
  readonly protocol: ValidatorProtocol;
  /** 2.0.4: the augmentation level drawn (the image is 224×224). */
  readonly level?: AugmentLevel;
  /** 2.0.4: everything the augmentation drew. */
  readonly params?: AugmentParams;
  /** 0.4: which pool the image came from. */
  readonly origin?: ChallengeOrigin;
  /** 0.4: the size the image was sent at (its own). */
  readonly size?: { readonly width: number; readonly height: number };
}

/** What a run draws challenges from, and how: one generation's rules over its images. */
export type ChallengePlan =
  | {
      readonly protocol: '2.0.4';
      readonly source: LabelledImageSource;
      readonly augment?: AugmentOptions;
      /** Where unreadable images are recorded (and then never drawn again); see `SkippedImages`. */
      readonly skips?: SkippedImages;
    }
  | {
      readonly protocol: '0.4';
      readonly pools: ChallengePools;
      /** JPEG quality; default 75, PIL's. */
      readonly quality?: number;
      readonly skips?: SkippedImages;
    };

/** Options of `planChallenges`. */
export interface PlanOptions {
  /** Default `DEFAULT_PROTOCOL` (0.4, what upstream validators run). */
  readonly protocol?: ValidatorProtocol;
  /** 0.4's synthetic pool (procedural scenes or SDXL output); required for 0.4. */
  readonly synthetic?: LabelledImageSource;
  /** 2.0.4's augmentation options. */
  readonly augment?: AugmentOptions;
  /**
   * Where an image that cannot be read or decoded is recorded when a draw skips it; default a new
   * `SkippedImages` that warns on stderr. Pass one with `strict` to fail instead.
   */
  readonly skips?: SkippedImages;
}

/** A plan over `source`: as it is for 2.0.4; split into real and held-out api-like pools for 0.4. */
export function planChallenges(source: LabelledImageSource, options: PlanOptions = {}): ChallengePlan {
  const skips = options.skips ?? new SkippedImages();
  if ((options.protocol ?? DEFAULT_PROTOCOL) === '2.0.4') {
    return { protocol: '2.0.4', source, skips, ...(options.augment && { augment: options.augment }) };
  }
  if (options.synthetic === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      'Protocol 0.4 challenges need a synthetic image pool. Give one (procedural scenes or generated images).',
    );
  }
  return { protocol: '0.4', pools: challengePools(source, options.synthetic), skips };
}

/** The plan's name in reports: its images, and the pools for 0.4. */
export function planName(plan: ChallengePlan): string {
  if (plan.protocol === '2.0.4') return plan.source.name;
  return `${plan.pools.real.name} + ${plan.pools.synthetic.name}`;
}

/**
 * Draws the next challenge of `plan`; every random choice comes from `rng`. An unreadable image is
 * recorded in `plan.skips` and another of the same label is drawn in its place.
 */
export async function drawChallenge(plan: ChallengePlan, rng: Rng): Promise<Challenge> {
  const skips = plan.skips ?? new SkippedImages();
  if (plan.protocol === '2.0.4') return createChallenge(plan.source, rng, { ...plan.augment, skips });
  const draw = await drawSourceSize(plan.pools, rng, { quality: plan.quality, skips });
  return {
    imageB64: draw.jpeg.toString('base64'),
    label: draw.label,
    group: draw.image.group,
    sourceId: draw.image.id,
    protocol: '0.4',
    origin: draw.origin,
    size: draw.size,
  };
}

/**
 * A 2.0.4 challenge: draws label 0 or 1 with equal probability, then a uniformly random image of
 * that label, then an augmentation level (p = 0.25 each unless `options.level` is given). An
 * unreadable image is recorded in `options.skips` and another of that label drawn.
 */
export async function createChallenge(
  source: LabelledImageSource,
  rng: Rng,
  options: AugmentOptions & { readonly skips?: SkippedImages } = {},
): Promise<Challenge> {
  const { skips = new SkippedImages(), ...augment } = options;
  const label: 0 | 1 = rng.chance(0.5) ? 1 : 0;
  const candidates = source.images.filter((image) => image.label === label);
  if (candidates.length === 0) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `The image source has no images of label ${label}: ${source.name}. Add images of both labels.`,
    );
  }
  // Decoding draws nothing from rng, so decoding here (where a bad file can be skipped) rather than
  // inside augmentImage leaves every challenge of a readable folder as its seed always gave it.
  const { image, rgb } = await drawReadable(candidates, rng, {
    skips,
    source: source.name,
    what: `images of label ${label}`,
  });
  const { imageB64, params } = await augmentImage(rgb, rng, augment);
  return {
    imageB64,
    label,
    group: image.group,
    sourceId: image.id,
    protocol: '2.0.4',
    level: params.level,
    params,
  };
}
