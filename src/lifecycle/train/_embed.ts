// Fills the embedding cache for every (image, view) of a labelled source that it lacks.
import { createHash } from 'node:crypto';
import type { RgbImage, ImagePolicy } from '../../inference/image/index.js';
import type { ImageEmbedder } from '../../inference/runtimes/index.js';
import { SkippedImages, decodeLabelled, type LabelledImageSource } from '../../data/sources/index.js';
import type { EmbeddingCache } from './_cache.js';
import { progressBar, type ProgressStream } from './_progress.js';
import { renderView, viewKey, type ViewSpec } from './_views.js';

/** Options of `embedSource`. */
export interface EmbedSourceOptions {
  readonly seed: string;
  readonly views: readonly ViewSpec[];
  /** How each view is decoded, as the served model's `preprocess` (default `DEFAULT_IMAGE_POLICY`). */
  readonly policy?: ImagePolicy;
  /** Images per embed call (default 16). */
  readonly batch?: number;
  readonly progress?: ProgressStream;
  readonly signal?: AbortSignal;
  /**
   * Where an image that cannot be read or decoded is recorded (its views are left out, and the rows
   * assembled later skip it); default a new `SkippedImages` warning on stderr. With `strict`, fails.
   */
  readonly skips?: SkippedImages;
}

/**
 * Embeds what the cache lacks, writing after every batch so an interrupted run resumes; returns rows
 * added. An unreadable image is skipped (recorded in `options.skips`), not fatal. Every image is read
 * and hashed first: one whose bytes changed since its views were cached (same id, new content) is
 * embedded again (`EmbeddingCache.restamp`).
 */
export async function embedSource(
  source: LabelledImageSource,
  embedder: ImageEmbedder,
  cache: EmbeddingCache,
  options: EmbedSourceOptions,
): Promise<number> {
  const todo: { image: (typeof source.images)[number]; views: ViewSpec[] }[] = [];
  let total = 0;
  const skips = options.skips ?? new SkippedImages();
  await cache.restamp(await contentStamps(source, skips, options.signal));
  for (const image of source.images) {
    if (skips.has(image)) continue;
    const views = options.views.filter((v) => !cache.has(viewKey(image.id, options.seed, v, options.policy)));
    if (views.length > 0) todo.push({ image, views });
    total += views.length;
  }
  if (total === 0) return 0;
  const bar = options.progress === undefined ? undefined : progressBar('embed', total, options.progress);
  const batchSize = options.batch ?? 16;
  let pending: { key: string; rgb: RgbImage }[] = [];
  let added = 0;
  // One batch embeds in the workers while the next is rendered here: rendering is main-thread work.
  let inflight: Promise<void> = Promise.resolve();
  const embedBatch = async (batch: { key: string; rgb: RgbImage }[]) => {
    const vectors = await embedder.embed(
      batch.map((p) => p.rgb),
      {
        deadlineMs: Date.now() + 600_000,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
    );
    await cache.put(batch.map((p, i) => ({ key: p.key, vector: vectors[i]! })));
    added += batch.length;
    bar?.tick(batch.length);
  };
  const flush = async () => {
    const batch = pending;
    pending = [];
    await inflight;
    inflight = batch.length === 0 ? Promise.resolve() : embedBatch(batch);
    // Marked handled now; the failure still surfaces at the next `await inflight`.
    inflight.catch(() => undefined);
  };
  try {
    for (const { image, views } of todo) {
      options.signal?.throwIfAborted();
      let decoded: RgbImage;
      try {
        decoded = await decodeLabelled(image);
      } catch (err) {
        skips.record(image, source.name, err);
        bar?.tick(views.length);
        continue;
      }
      for (const view of views) {
        pending.push({
          key: viewKey(image.id, options.seed, view, options.policy),
          rgb: await renderView(decoded, image.id, options.seed, view, options.policy),
        });
        if (pending.length >= batchSize) await flush();
      }
    }
    await flush();
  } finally {
    // Never leave a batch running (or its rejection unhandled) when the loop fails.
    await inflight.catch(() => undefined);
  }
  await inflight;
  bar?.done();
  return added;
}

/** A short hash of each readable image's bytes, by id; unreadable ones are recorded in `skips`. */
async function contentStamps(
  source: LabelledImageSource,
  skips: SkippedImages,
  signal: AbortSignal | undefined,
): Promise<Map<string, string>> {
  const stamps = new Map<string, string>();
  for (const image of source.images) {
    if (skips.has(image)) continue;
    signal?.throwIfAborted();
    try {
      stamps.set(
        image.id,
        createHash('sha256')
          .update(await image.load())
          .digest('hex')
          .slice(0, 16),
      );
    } catch (err) {
      skips.record(image, source.name, err);
    }
  }
  return stamps;
}
