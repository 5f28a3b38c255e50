// How a source-size image becomes the square the model sees: one policy, recorded with the model.
import { RoadworkError } from '../../core/errors/index.js';

/**
 * How a non-square (or differently sized) image is fitted into the model's square. `short-side` is the
 * one mode that keeps the frame's shape: the shorter side becomes `size` and the longer one follows (up
 * to `SHORT_SIDE_MAX_ASPECT` times `size`), for an embedder that cuts the frame into square tiles.
 */
export type ResizeMode = 'center-crop' | 'letterbox' | 'squash' | 'short-side';

/**
 * The longest side `short-side` decodes, as a multiple of `size`: a frame more elongated than 4:1 is
 * fitted inside `4·size` on its longer side instead (its shorter side then falls below `size`), so no
 * aspect ratio, however hostile, makes the decoded image larger than 4·size² pixels.
 */
export const SHORT_SIDE_MAX_ASPECT = 4;

/** The resampling kernel of the resize (sharp's names; `linear` matches PIL's antialiased bilinear). */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

/**
 * The preprocessing a model was trained with and must be served with: every image (2.0.4's 224×224
 * and 0.4's source-size JPEGs alike) becomes a `size × size` RGB square this way (or, under
 * `short-side`, a frame whose shorter side is `size`), at serving, in `eval --offline` and in training.
 */
export interface ImagePolicy {
  /** Side of the square the stages see, pixels. */
  readonly size: number;
  readonly resize: ResizeMode;
  readonly kernel: ResizeKernel;
}

/**
 * Policies chosen by the source image's size, so one model can serve both validator generations with
 * the preprocessing each was trained on (2.0.4's 224² challenges and 0.4's source-size photos): the
 * first route whose `maxSide` is at least the image's longer side decides.
 */
export interface SizeRoutedPolicy {
  readonly routes: readonly { readonly maxSide: number; readonly policy: ImagePolicy }[];
}

/** What a consumer asks images to be decoded with: one policy, or one by source size. */
export type InputPolicy = ImagePolicy | SizeRoutedPolicy;

/** The route index of a source image of `width × height` (the last route catches the rest). */
export function routeIndex(input: SizeRoutedPolicy, width: number, height: number): number {
  const side = Math.max(width, height);
  const i = input.routes.findIndex((r) => side <= r.maxSide);
  return i < 0 ? input.routes.length - 1 : i;
}

/** The one policy an image of `width × height` is decoded with. */
export function policyFor(input: InputPolicy, width: number, height: number): ImagePolicy {
  return 'routes' in input ? input.routes[routeIndex(input, width, height)]!.policy : input;
}

/** Valid `resize` values, for errors and `--help`. */
export const RESIZE_MODES: readonly ResizeMode[] = Object.freeze([
  'center-crop',
  'letterbox',
  'squash',
  'short-side',
]);
/** Valid `kernel` values. */
export const RESIZE_KERNELS: readonly ResizeKernel[] = Object.freeze([
  'nearest',
  'linear',
  'cubic',
  'lanczos3',
]);

/**
 * What a model without a recorded policy gets: protocol 2.0.4's level-0 view (centre crop to a square,
 * bilinear resize to 224), which is what every image such a model was trained or served on looked like.
 */
export const DEFAULT_IMAGE_POLICY: ImagePolicy = Object.freeze({
  size: 224,
  resize: 'center-crop',
  kernel: 'linear',
});

/**
 * The policy to decode for a consumer such as a `Predictor`: its `input`, or the default when it
 * names none. The axon and `eval --offline` both decode through this, so they see the same pixels.
 */
export function inputPolicy(consumer: { readonly input?: InputPolicy }): InputPolicy {
  return consumer.input ?? DEFAULT_IMAGE_POLICY;
}

/** A short stable name, e.g. `center-crop/linear@224`: part of model and cascade versions. */
export function policyKey(policy: ImagePolicy): string {
  return `${policy.resize}/${policy.kernel}@${policy.size}`;
}

/** Whether two policies produce the same pixels. */
export function samePolicy(a: ImagePolicy, b: ImagePolicy): boolean {
  return a.size === b.size && a.resize === b.resize && a.kernel === b.kernel;
}

function invalid(message: string): RoadworkError {
  return new RoadworkError('ERR_CONFIG_INVALID', message);
}

/** Checks a raw `{ size, resize, kernel }` (any may be absent: defaults fill it); throws `ERR_CONFIG_INVALID` naming the bad key. */
export function parseImagePolicy(raw: unknown, defaults: ImagePolicy = DEFAULT_IMAGE_POLICY): ImagePolicy {
  if (raw === undefined || raw === null) return defaults;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw invalid(`must be a mapping of size, resize and kernel: ${JSON.stringify(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !['size', 'resize', 'kernel'].includes(k));
  if (unknown.length > 0)
    throw invalid(`has unknown keys: ${unknown.join(', ')}; valid keys are size, resize, kernel`);
  const size = r.size ?? defaults.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 16 || size > 4096) {
    throw invalid(`size must be an integer from 16 to 4096: ${JSON.stringify(size)}`);
  }
  const resize = r.resize ?? defaults.resize;
  if (typeof resize !== 'string' || !(RESIZE_MODES as readonly string[]).includes(resize)) {
    throw invalid(
      `resize is not a mode: ${JSON.stringify(resize)}; valid modes are ${RESIZE_MODES.join(', ')}`,
    );
  }
  const kernel = r.kernel ?? defaults.kernel;
  if (typeof kernel !== 'string' || !(RESIZE_KERNELS as readonly string[]).includes(kernel)) {
    throw invalid(
      `kernel is not a resize kernel: ${JSON.stringify(kernel)}; valid kernels are ${RESIZE_KERNELS.join(', ')}`,
    );
  }
  return Object.freeze({ size, resize: resize as ResizeMode, kernel: kernel as ResizeKernel });
}
