// Which values of a stage's embedding a head reads: all of them, or the part of a concatenation of
// embedders that the head was trained on.
import type { Head } from '../heads/index.js';
import type { ImageEmbedder } from '../runtimes/types.js';

/**
 * Where `head`'s input starts in `embedder`'s embedding: 0 when the head was trained on all of it
 * (the same dims and, where the head names an embedder, the same version); otherwise the offset of
 * the first of the embedder's parts (`ImageEmbedder.parts`) with the head's embedder version and
 * dims. Undefined when neither fits. A head that names no embedder fits only the whole embedding.
 */
export function headOffset(head: Head, embedder: ImageEmbedder): number | undefined {
  if (head.inputDims === embedder.dims && (head.embedder === undefined || head.embedder === embedder.version))
    return 0;
  if (head.embedder === undefined) return undefined;
  return embedder.parts?.find((p) => p.version === head.embedder && p.dims === head.inputDims)?.offset;
}

/**
 * The views' embeddings (`width` values each) as a head reading `dims` values from `offset` takes
 * them: the same arrays when it reads all of them, else views of its part.
 */
export function headInputs(
  embeddings: readonly Float32Array[],
  offset: number,
  dims: number,
  width: number,
): readonly Float32Array[] {
  if (offset === 0 && dims === width) return embeddings;
  return embeddings.map((e) => e.subarray(offset, offset + dims));
}
