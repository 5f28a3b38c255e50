// Several backbones as one embedder: each image's embeddings side by side, in the configured order.
import type { ImageEmbedder, RunOptions } from './types.js';

/** What joins the parts' versions in a concatenated embedder's version. */
export const CONCAT_SEPARATOR = ' ++ ';

/** The version of the concatenation of embedders with these versions (a lone part keeps its own). */
export function concatVersion(versions: readonly string[]): string {
  return versions.join(CONCAT_SEPARATOR);
}

/**
 * One embedder over `parts`: every part embeds the whole batch (in parallel: each has its own
 * workers) and the vectors are concatenated. A lone part is returned as it is, so a head trained on
 * one backbone matches it unchanged. Closing closes every part.
 */
export function concatEmbedders(parts: readonly ImageEmbedder[]): ImageEmbedder {
  if (parts.length === 0) throw new Error('concatEmbedders() needs at least one embedder');
  if (parts.length === 1) return parts[0]!;
  const dims = parts.reduce((sum, p) => sum + p.dims, 0);
  return Object.freeze({
    dims,
    version: concatVersion(parts.map((p) => p.version)),
    async embed(images, options: RunOptions) {
      const outputs = await Promise.all(parts.map((p) => p.embed(images, options)));
      return images.map((_, i) => {
        const joined = new Float32Array(dims);
        let at = 0;
        for (const out of outputs) {
          joined.set(out[i]!, at);
          at += out[i]!.length;
        }
        return joined;
      });
    },
    async close() {
      await Promise.all(parts.map((p) => p.close()));
    },
  } satisfies ImageEmbedder);
}
