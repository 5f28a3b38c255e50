// Square tiles along a frame's longer side, for embedders that cut a `short-side` frame into squares
// (tfjs and transformers `tiles`): the backbone sees the whole frame at its own scale, no bars, no squash.
import type { RgbImage } from './_rgb.js';

/** A square region of the source image, pixels. */
export interface Window {
  readonly x: number;
  readonly y: number;
  readonly side: number;
}

/**
 * Up to `count` squares of side `min(width, height)`, spread evenly from one end of the longer side to
 * the other (the first at the start, the last at the end), duplicates dropped: a square image gives one
 * window, a 16:9 frame three overlapping ones, a 3:1 frame three that just touch.
 */
export function tileWindows(width: number, height: number, count: number): Window[] {
  const side = Math.min(width, height);
  const span = Math.max(width, height) - side;
  const horizontal = width >= height;
  const out: Window[] = [];
  for (let k = 0; k < count; k++) {
    const at = count === 1 ? Math.round(span / 2) : Math.round((k * span) / (count - 1));
    if (out.length > 0 && (horizontal ? out.at(-1)!.x : out.at(-1)!.y) === at) continue;
    out.push(horizontal ? { x: at, y: 0, side } : { x: 0, y: at, side });
  }
  return out;
}

/** The pixels of `window` as an image of their own. */
export function cropWindow(image: RgbImage, window: Window): RgbImage {
  const { x, y, side } = window;
  const data = new Uint8Array(side * side * 3);
  for (let r = 0; r < side; r++) {
    const from = ((y + r) * image.width + x) * 3;
    data.set(image.data.subarray(from, from + side * 3), r * side * 3);
  }
  return { width: side, height: side, data };
}
