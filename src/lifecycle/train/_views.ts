// Validator-style views of a training image (either generation, seeded) and their cache keys.
import {
  type RgbImage,
  DEFAULT_IMAGE_POLICY,
  decodeImage,
  policyKey,
  samePolicy,
  type ImagePolicy,
  decodeRgb,
  encodeJpeg,
} from '../../inference/image/index.js';
import { augmentImage, flipHorizontal, type AugmentLevel } from '../../validation/validator/index.js';
import { createRng } from '../../core/random/index.js';
import { pasteDecoys, pasteWorkZone } from '../../data/procedural/index.js';
import { type ValidatorProtocol } from '../../wire/protocol/index.js';
import { styleTransform, type StyleKind } from './_style.js';

/** A 2.0.4 augmentation level, or `source`: protocol 0.4's image as it is, JPEG q75 at its own size. */
export type ViewLevel = AugmentLevel | 'source';

/** One view of an image: its level, its index at that level, and whether it is the hflip twin. */
export interface ViewSpec {
  readonly level: ViewLevel;
  readonly k: number;
  readonly hflip: boolean;
  /** A style-destroying transform applied last (training-only views, `--style-views`). */
  readonly style?: StyleKind;
  /**
   * Procedural objects painted into the photo first (training-only views of roadwork-free images):
   * a work zone (`--paste-views`; the view is then a roadwork view) or look-alikes
   * (`--paste-decoys`; it stays roadwork-free).
   */
  readonly paste?: PasteKind;
}

/** What a pasted view paints in: a work zone, or look-alikes that are not roadwork. */
export type PasteKind = 'work-zone' | 'decoys';

/** Each paste kind's part of a view's cache key. */
const PASTE_KEYS: Readonly<Record<PasteKind, string>> = { 'work-zone': ':paste', decoys: ':decoys' };

/**
 * The views that are scored: under 0.4 the one source-size view (nothing random to draw more of);
 * under 2.0.4 `perLevel[l]` augmented views at each level. Each with its hflip twin when `tta`.
 */
export function planScoredViews(
  protocol: ValidatorProtocol,
  perLevel: readonly number[],
  tta: boolean,
): ViewSpec[] {
  if (protocol === '2.0.4') return planViews(perLevel, tta);
  const view: ViewSpec = { level: 'source', k: 0, hflip: false };
  return tta ? [view, { ...view, hflip: true }] : [view];
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
  return planViews(extra, tta).map((v) => ({ ...v, k: v.k + (perLevel[v.level as AugmentLevel] ?? 0) }));
}

/**
 * Training-only copies of `views` (each scored view and its twin) under each style transform: the
 * same pixels as the view, then the transform (`_style.ts`).
 */
export function planStyleViews(views: readonly ViewSpec[], styles: readonly StyleKind[]): ViewSpec[] {
  return styles.flatMap((style) => views.filter((v) => v.style === undefined).map((v) => ({ ...v, style })));
}

/**
 * `count` pasted copies of an image (`ViewSpec.paste`), each new objects: under 2.0.4 copy k at
 * augmentation level k mod 4 (levels 0, 1, 2, 3, 0, …), under 0.4 as the source-size view; each
 * with its twin when `tta`. Copy k of either kind has the same camera, road and augmentation draw,
 * so a work zone and its look-alikes differ only by the objects.
 */
export function planPasteViews(
  protocol: ValidatorProtocol,
  count: number,
  tta: boolean,
  paste: PasteKind = 'work-zone',
): ViewSpec[] {
  return Array.from({ length: count }, (_, k) => {
    const level: ViewLevel = protocol === '2.0.4' ? ((k % 4) as AugmentLevel) : 'source';
    const view: ViewSpec = { level, k, hflip: false, paste };
    return tta ? [view, { ...view, hflip: true }] : [view];
  }).flat();
}

/**
 * The cache key of a view: the image id, the seed and the view, and the decode policy when it is not
 * the default one (a 448 px decode of a source-size image is other pixels than a 224 px one).
 */
export function viewKey(imageId: string, seed: string, view: ViewSpec, policy?: ImagePolicy): string {
  const decoded =
    policy === undefined || samePolicy(policy, DEFAULT_IMAGE_POLICY) ? '' : `:p${policyKey(policy)}`;
  return `${imageId}#${seed}:L${view.level}:${view.k}${view.hflip ? ':h' : ''}${view.style ? `:s${view.style}` : ''}${view.paste ? PASTE_KEYS[view.paste] : ''}${decoded}`;
}

/**
 * Renders a view exactly as the miner would receive it: the validators' augmentation at that level
 * (its own seeded random stream, so views are independent of each other and of the order they are
 * built in) or, for `source`, the image at its own size, JPEG quality 75, decoded again by the
 * axon's own decode under the model's `policy` (so training sees the pixels serving sees); the TTA
 * twin is that decoded image flipped. A `paste` view paints its objects into the photo first (its
 * own seeded draw, the same for the twin). `image` is the file's bytes or the file already decoded
 * (the same pixels: a caller rendering many views decodes once).
 */
export async function renderView(
  image: Buffer | RgbImage,
  imageId: string,
  seed: string,
  view: ViewSpec,
  policy: ImagePolicy = DEFAULT_IMAGE_POLICY,
): Promise<RgbImage> {
  const photo = view.paste
    ? (view.paste === 'work-zone' ? pasteWorkZone : pasteDecoys)(
        Buffer.isBuffer(image) ? await decodeRgb(image) : image,
        createRng(`paste|${seed}|${imageId}|${view.level}|${view.k}`),
      )
    : image;
  const jpeg =
    view.level === 'source'
      ? await encodeJpeg(Buffer.isBuffer(photo) ? await decodeRgb(photo) : photo)
      : (
          await augmentImage(photo, createRng(`${seed}|${imageId}|${view.level}|${view.k}`), {
            level: view.level,
          })
        ).jpeg;
  const rgb = await decodeImage(jpeg, { policy });
  const seen = view.hflip ? flipHorizontal(rgb) : rgb;
  // The twin gets the same draw as its view: the pair differs only by the mirror.
  return view.style ? styleTransform(seen, view.style, `${seed}|${imageId}|${view.level}|${view.k}`) : seen;
}
