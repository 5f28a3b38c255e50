// How an embedder built on a worker pool spreads one call's images over its workers.
import type { RgbImage } from '../image/index.js';

/** A batch of packed-RGB images as a worker job carries it, with the buffers to transfer. */
export interface PackedBatch {
  readonly images: { data: ArrayBuffer; width: number; height: number }[];
  readonly transfer: ArrayBuffer[];
}

/**
 * `images` cut into one slice per worker (fewer when there are fewer images), each as its own copies:
 * the buffers are transferred, and the caller's images must stay intact. A challenge's views then run
 * side by side on idle workers rather than one after another.
 */
export function workerSlices(images: readonly RgbImage[], workers: number): PackedBatch[] {
  const per = Math.ceil(images.length / Math.max(1, workers));
  const out: PackedBatch[] = [];
  for (let i = 0; i < images.length; i += per) {
    const batch = images
      .slice(i, i + per)
      .map((img) => ({ data: img.data.slice().buffer, width: img.width, height: img.height }));
    out.push({ images: batch, transfer: batch.map((b) => b.data) });
  }
  return out;
}
