// Embeds a labelled folder (what the caches lack) through every backbone and assembles its rows.
import { RoadworkError } from '../../core/errors/index.js';
import type { ImagePolicy } from '../../inference/image/index.js';
import {
  loadModel,
  modelLoader,
  concatVersion,
  type ModelRef,
  type RuntimeContext,
} from '../../inference/runtimes/index.js';
import { DEFAULT_PROTOCOL, type ValidatorProtocol } from '../../wire/protocol/index.js';
import { SkippedImages, type LabelledImageSource } from '../../data/sources/index.js';
import { openEmbeddingCache } from './_cache.js';
import { assemblePastedRows, assembleRows, concatRows, requireBothLabels, type ViewRow } from './_dataset.js';
import { embedSource } from './_embed.js';
import type { ProgressStream } from './_progress.js';
import { openTrainingFolders } from './_sources.js';
import type { StyleKind } from './_style.js';
import { syntheticSource } from './_synthetic.js';
import { planExtraViews, planPasteViews, planScoredViews, planStyleViews } from './_views.js';

/** Where a dataset's embeddings come from. */
export interface EmbeddingOptions {
  /** One labelled folder, or several (groups namespaced by folder, see `openTrainingFolders`). */
  readonly data: string | readonly string[];
  /**
   * The backbone(s): with several, each view's embeddings are concatenated in this order, as a
   * `backbone-head` stage with the same list serves them; each keeps its own cache.
   */
  readonly embedders: readonly ModelRef[];
  readonly runtime: RuntimeContext;
  /** Embedding cache root. */
  readonly cacheDir: string;
  /**
   * The validator generation the scored views imitate; default `DEFAULT_PROTOCOL` (0.4: one view,
   * the image at its own size; 2.0.4: `perLevel` augmented views per level).
   */
  readonly protocol?: ValidatorProtocol;
  /** Scored views per augmentation level 0..3 (2.0.4). */
  readonly perLevel: readonly number[];
  /**
   * How every view is decoded before the backbone, as the served cascade's `preprocess` will (default
   * `DEFAULT_IMAGE_POLICY`, 224 px centre crop); a larger size keeps 0.4's source-size detail.
   */
  readonly preprocess?: ImagePolicy;
  /** Also embed each view's horizontal flip (TTA). */
  readonly tta: boolean;
  readonly seed: string;
  /** Procedural scenes embedded beside the data as training-only rows (default 0). */
  readonly synthetic?: number;
  /** More views per level 0..3 of every image, for fitting only (`extra` rows); default none. */
  readonly trainViews?: readonly number[];
  /** Style-destroyed copies of every scored view, for fitting only (`extra` rows); default none. */
  readonly styleViews?: readonly StyleKind[];
  /**
   * Copies of every roadwork-free image with a procedural work zone painted in (`planPasteViews`),
   * labelled roadwork, for fitting only (`extra` rows); default 0.
   */
  readonly pasteViews?: number;
  /** The same with look-alikes painted in, still roadwork-free (`extra` rows); default 0. */
  readonly pasteDecoys?: number;
  readonly progress?: ProgressStream;
  readonly signal?: AbortSignal;
  /**
   * Where unreadable images are recorded as the embedding step skips them (their rows are left
   * out); default a new `SkippedImages` warning on stderr. With `strict`, the first one fails.
   */
  readonly skips?: SkippedImages;
}

/** What `embeddedRows` returns: the real rows, the training-only synthetic rows, the embedder. */
export interface EmbeddedRows {
  readonly rows: ViewRow[];
  /** Views of the synthetic scenes (`image` indexes the synthetic set); empty without `synthetic`. */
  readonly synthetic: ViewRow[];
  /**
   * The `trainViews`, `styleViews`, `pasteViews` and `pasteDecoys` of the real images (same `image`
   * and `group` as their scored rows; pasted work zones are labelled roadwork).
   */
  readonly extra: ViewRow[];
  /** The (concatenated) embedder version, as `loadEmbedders` gives it for the same list. */
  readonly version: string;
  readonly dims: number;
  /** The id of each real image, by a row's `image` index (unreadable ones left out). */
  readonly images: readonly string[];
  /** Ids of the images left out as unreadable. */
  readonly skipped: readonly string[];
}

/**
 * Embeds (what the caches lack) and assembles the rows of a labelled folder and of the synthetic
 * scenes asked for, through the same views; one embedder at a time, each into its own cache, so a
 * second backbone reuses the first one's cache and never shares the CPU with it.
 */
export async function embeddedRows(options: EmbeddingOptions): Promise<EmbeddedRows> {
  if (options.embedders.length === 0)
    throw new RoadworkError('ERR_CONFIG_INVALID', 'No embedder given; name at least one with --embedder.');
  // The backbones embed one after the other: a bad runtime name in the last must fail now, not
  // after the first has embedded for an hour.
  for (const ref of options.embedders) modelLoader('embedder', ref);
  const source = await openTrainingFolders(options.data);
  // Checked before the embedding, not after it: one class cannot be trained or scored.
  requireBothLabels(source);
  const skips = options.skips ?? new SkippedImages();
  const count = options.synthetic ?? 0;
  const synthetic = count > 0 ? syntheticSource(count, options.seed, source) : undefined;
  const views = planScoredViews(options.protocol ?? DEFAULT_PROTOCOL, options.perLevel, options.tta);
  const extraViews = [
    ...planExtraViews(options.perLevel, options.trainViews ?? [], options.tta),
    ...planStyleViews(views, options.styleViews ?? []),
  ];
  const protocol = options.protocol ?? DEFAULT_PROTOCOL;
  const pasted = [
    planPasteViews(protocol, options.pasteViews ?? 0, options.tta, 'work-zone'),
    planPasteViews(protocol, options.pasteDecoys ?? 0, options.tta, 'decoys'),
  ].filter((views) => views.length > 0);
  const roadworkFree = { name: source.name, images: source.images.filter((i) => i.label === 0) };
  const parts: EmbeddedRows[] = [];
  for (const ref of options.embedders) {
    const embedder = await loadModel('embedder', ref, options.runtime);
    try {
      // A second run beside one that is embedding reads the cache when it needs nothing new.
      const cache = await openEmbeddingCache(options.cacheDir, {
        version: embedder.version,
        dims: embedder.dims,
        shareIfLocked: true,
      });
      try {
        const policy = options.preprocess;
        const embedOptions = {
          seed: options.seed,
          views,
          ...(policy ? { policy } : {}),
          ...(options.progress ? { progress: options.progress } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          skips,
        };
        await embedSource(source, embedder, cache, { ...embedOptions, views: [...views, ...extraViews] });
        if (pasted.length > 0)
          await embedSource(roadworkFree, embedder, cache, { ...embedOptions, views: pasted.flat() });
        if (synthetic) await embedSource(synthetic, embedder, cache, embedOptions);
        const usable = readable(source, skips);
        parts.push({
          rows: assembleRows(usable, cache, { seed: options.seed, views, ...(policy ? { policy } : {}) }),
          synthetic: synthetic
            ? assembleRows(synthetic, cache, { seed: options.seed, views, ...(policy ? { policy } : {}) })
            : [],
          extra: [
            ...assembleRows(usable, cache, {
              seed: options.seed,
              views: extraViews,
              ...(policy ? { policy } : {}),
            }),
            ...pasted.flatMap((views) =>
              assemblePastedRows(usable, cache, { seed: options.seed, views, ...(policy ? { policy } : {}) }),
            ),
          ],
          version: embedder.version,
          dims: embedder.dims,
          images: usable.images.map((i) => i.id),
          skipped: [],
        });
      } finally {
        await cache.close();
      }
    } finally {
      await embedder.close();
    }
  }
  return {
    rows: concatRows(parts.map((p) => p.rows)),
    synthetic: concatRows(parts.map((p) => p.synthetic)),
    extra: concatRows(parts.map((p) => p.extra)),
    version: concatVersion(parts.map((p) => p.version)),
    dims: parts.reduce((n, p) => n + p.dims, 0),
    // Every part assembled its rows from the same readable images (`concatRows` checks it).
    images: parts.at(-1)!.images,
    skipped: skips.list().map((s) => s.id),
  };
}

/** `source` less its unreadable images; fails when that leaves no image, or only one label. */
function readable(source: LabelledImageSource, skips: SkippedImages): LabelledImageSource {
  if (skips.count === 0) return source;
  const images = source.images.filter((i) => !skips.has(i));
  const usable = { name: source.name, images };
  requireBothLabels(usable, `after skipping ${skips.summary()}`);
  return usable;
}
