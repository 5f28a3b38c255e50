// Several backbones as one embedder: each image's embeddings side by side, in the configured order.
import { RoadworkError } from '../../core/errors/index.js';
import type { ImageEmbedder, RunOptions } from './types.js';

/** The version of the concatenation of embedders with these versions (a lone part keeps its own). */
export function concatVersion(versions: readonly string[]): string {
  return versions.join(' ++ ');
}

/** Vectors side by side, in order: how several backbones' embeddings of one image are joined. */
export function concatVectors(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * One embedder over `parts`: every part embeds the whole batch (in parallel: each has its own
 * workers) and the vectors are concatenated; `parts` says where each one's values start. A lone part
 * is returned as it is, so a head trained on one backbone matches it unchanged. Closing closes every
 * part.
 */
export function concatEmbedders(parts: readonly ImageEmbedder[]): ImageEmbedder {
  if (parts.length === 0) {
    // loadEmbedders() refuses an empty list with ERR_CONFIG_INVALID first; this is the invariant behind it.
    throw new RoadworkError('ERR_INTERNAL', 'concatEmbedders() got no embedder: pass at least one.');
  }
  if (parts.length === 1) return parts[0]!;
  const dims = parts.reduce((sum, p) => sum + p.dims, 0);
  let offset = 0;
  const layout = parts.map((p) => {
    const part = Object.freeze({ offset, dims: p.dims, version: p.version });
    offset += p.dims;
    return part;
  });
  return Object.freeze({
    dims,
    version: concatVersion(parts.map((p) => p.version)),
    parts: Object.freeze(layout),
    async embed(images, options: RunOptions) {
      const outputs = await Promise.all(parts.map((p) => p.embed(images, options)));
      return images.map((_, i) => concatVectors(outputs.map((out) => out[i]!)));
    },
    async close() {
      await Promise.all(parts.map((p) => p.close()));
    },
  } satisfies ImageEmbedder);
}
