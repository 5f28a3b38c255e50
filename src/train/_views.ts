// Validator-style views of a training image (src/validator augmentations, seeded) and their cache keys.
import type { RgbImage } from '../predictor/types.js';
import { DEFAULT_IMAGE_POLICY, decodeImage, type ImagePolicy } from '../image/index.js';
import { augmentImage, createRng, flipHorizontal, type AugmentLevel } from '../validator/index.js';

/** One view of an image: an augmentation level, its index at that level, and whether it is the hflip twin. */
export interface ViewSpec {
  readonly level: AugmentLevel;
  readonly k: number;
  readonly hflip: boolean;
}

/** Views per level (index = level, e.g. `[1, 2, 2, 2]`), each with its horizontal-flip twin when `tta`. */
export function planViews(perLevel: readonly number[], tta: boolean): ViewSpec[] {
  const views: ViewSpec[] = [];
  perLevel.forEach((count, level) => {
    for (let k = 0; k < count; k++) {
      views.push({ level: level as AugmentLevel, k, hflip: false });
      if (tta) views.push({ level: level as AugmentLevel, k, hflip: true });
    }
  });
  return views;
}

/**
 * Views after the scored ones (`k` from `perLevel[level]` on): `extra[level]` more per level, each
 * with its twin when `tta`. Training-only views use them, so their keys never collide with a
 * scored view's and a later `--views` that grows reuses them.
 */
export function planExtraViews(
  perLevel: readonly number[],
  extra: readonly number[],
  tta: boolean,
): ViewSpec[] {
  return planViews(extra, tta).map((v) => ({ ...v, k: v.k + (perLevel[v.level] ?? 0) }));
}

/** The cache key of a view: the image id, the seed and the view. */
export function viewKey(imageId: string, seed: string, view: ViewSpec): string {
  return `${imageId}#${seed}:L${view.level}:${view.k}${view.hflip ? ':h' : ''}`;
}

/**
 * Renders a view exactly as the miner would receive it: the validators' augmentation at that level
 * (its own seeded random stream, so views are independent of each other and of the order they are
 * built in), JPEG quality 75, decoded again by the axon's own decode under the model's `policy`
 * (so training sees the pixels serving sees); the TTA twin is that decoded image flipped.
 */
export async function renderView(
  bytes: Buffer,
  imageId: string,
  seed: string,
  view: ViewSpec,
  policy: ImagePolicy = DEFAULT_IMAGE_POLICY,
): Promise<RgbImage> {
  const rng = createRng(`${seed}|${imageId}|${view.level}|${view.k}`);
  const aug = await augmentImage(bytes, rng, { level: view.level });
  const rgb = await decodeImage(aug.jpeg, { policy });
  return view.hflip ? flipHorizontal(rgb) : rgb;
}
