// How an embedder built on a worker pool spreads one call's images over its workers.
import type { RgbImage } from '../image/index.js';
import type { WorkerPool } from '../workers/index.js';

/** One image as a worker job carries it: packed RGB in a buffer of its own (transferred). */
export interface PackedImage {
  readonly data: ArrayBuffer;
  readonly width: number;
  readonly height: number;
}

/**
 * Runs `images` on `pool` as one job per worker (fewer when there are fewer images), each slice as its
 * own copies: the buffers are transferred, and the caller's images must stay intact. A challenge's
 * views then run side by side on idle workers rather than one after another. `job` wraps a slice in
 * the worker's job; the answers come back in slice order.
 */
export function runSlices<J, A>(
  pool: WorkerPool<J, A>,
  images: readonly RgbImage[],
  workers: number,
  job: (slice: PackedImage[]) => J,
  options: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined },
): Promise<A[]> {
  const per = Math.ceil(images.length / Math.max(1, workers));
  const runs: Promise<A>[] = [];
  for (let i = 0; i < images.length; i += per) {
    const slice = images
      .slice(i, i + per)
      .map((img) => ({ data: img.data.slice().buffer, width: img.width, height: img.height }));
    runs.push(
      pool.run(job(slice), {
        transfer: slice.map((b) => b.data),
        timeoutMs: options.timeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      }),
    );
  }
  return Promise.all(runs);
}
