// Square tiles along a frame's longer side: the backbone sees the whole frame at its own scale, with no
// bars and no squash, and their pooled outputs combine into one embedding (see `TfjsModelSpec.tiles`).

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

/**
 * One embedding from the pooled outputs of one image's tiles: the element-wise maximum under max
 * pooling (the maximum over every cell of every tile, so a cone in any tile counts once at full
 * strength), the mean under average pooling.
 */
export function combineTiles(tiles: readonly Float32Array[], pooling: 'avg' | 'max'): Float32Array {
  const out = Float32Array.from(tiles[0]!);
  for (const t of tiles.slice(1)) {
    for (let j = 0; j < out.length; j++) {
      out[j] = pooling === 'max' ? Math.max(out[j]!, t[j]!) : out[j]! + t[j]!;
    }
  }
  if (pooling === 'avg' && tiles.length > 1) for (let j = 0; j < out.length; j++) out[j]! /= tiles.length;
  return out;
}
