/** The decoded image every part passes around, and the rectangle crops are cut by. */

/** A decoded image: packed RGB bytes, row-major (HWC). */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** The size the image arrived at, before it was fitted to a policy (set by the decoder). */
  readonly source?: { readonly width: number; readonly height: number };
}

/** A rectangle in pixels: torchvision's `(i, j, h, w)` as named fields. */
export interface Box {
  readonly top: number;
  readonly left: number;
  readonly height: number;
  readonly width: number;
}
