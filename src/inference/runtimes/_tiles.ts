// One embedding from a frame's tiles (tfjs and transformers `tiles`; windows in src/inference/image).

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
