// Assembles cached embeddings into training rows: one per (image, view), with its TTA twin.
import { RoadworkError } from '../../core/errors/index.js';
import { concatVectors } from '../../inference/runtimes/index.js';
import type { LabelledImageSource } from '../../data/sources/index.js';
import type { ImagePolicy } from '../../inference/image/index.js';
import type { EmbeddingCache } from './_cache.js';
import { viewKey, type ViewLevel, type ViewSpec } from './_views.js';
import type { CameraKind } from './_families.js';

export { groupFamily } from './_families.js';

/** One view of one image, with the embedding of its horizontal flip when TTA views were cached. */
export interface ViewRow {
  /** Index into the source's images. */
  readonly image: number;
  readonly group: string;
  /** The camera kind, when `group` was rewritten (the proxy's camera units) and no longer tells it. */
  readonly camera?: CameraKind;
  readonly label: 0 | 1;
  readonly level: ViewLevel;
  readonly x: Float32Array;
  readonly xh?: Float32Array;
}

/**
 * Fails with ERR_DATASET_INVALID unless `source` holds images of both labels: a head cannot be fitted,
 * calibrated or scored on one class (the temperature runs to its bound and AUC is undefined).
 */
export function requireBothLabels(source: LabelledImageSource, when = ''): void {
  const positives = source.images.filter((i) => i.label === 1).length;
  const negatives = source.images.length - positives;
  if (positives > 0 && negatives > 0) return;
  throw new RoadworkError(
    'ERR_DATASET_INVALID',
    `Training needs images of both labels: ${source.name} has ${positives} roadwork and ${negatives} other${when ? ` ${when}` : ''}. Add pos/ and neg/ images (or both labels in manifest.csv).`,
  );
}

/** Rows for every image and non-flipped view; fails naming the first missing embedding. */
export function assembleRows(
  source: LabelledImageSource,
  cache: EmbeddingCache,
  options: { seed: string; views: readonly ViewSpec[]; policy?: ImagePolicy },
): ViewRow[] {
  const rows: ViewRow[] = [];
  source.images.forEach((img, image) => {
    for (const view of options.views.filter((v) => !v.hflip)) {
      const key = viewKey(img.id, options.seed, view, options.policy);
      const x = cache.get(key);
      if (x === undefined) {
        throw new RoadworkError(
          'ERR_DATASET_INVALID',
          `Embedding missing from the cache: ${key}; run the embedding step again (it resumes)`,
        );
      }
      const xh = options.views.some(
        (v) =>
          v.hflip &&
          v.level === view.level &&
          v.k === view.k &&
          v.style === view.style &&
          v.paste === view.paste,
      )
        ? cache.get(viewKey(img.id, options.seed, { ...view, hflip: true }, options.policy))
        : undefined;
      rows.push({ image, group: img.group, label: img.label, level: view.level, x, ...(xh ? { xh } : {}) });
    }
  });
  return rows;
}

/**
 * The rows of the pasted views (`ViewSpec.paste`, all of one kind) of `source`'s roadwork-free
 * images: labelled roadwork for a pasted work zone, roadwork-free for look-alikes, each keeping its
 * image's index in `source` and its group, so it trains only where that image's group trains, as
 * any training-only view.
 */
export function assemblePastedRows(
  source: LabelledImageSource,
  cache: EmbeddingCache,
  options: { seed: string; views: readonly ViewSpec[]; policy?: ImagePolicy },
): ViewRow[] {
  const free = source.images.flatMap((img, i) => (img.label === 0 ? [i] : []));
  const images = free.map((i) => source.images[i]!);
  const label = options.views[0]?.paste === 'work-zone' ? 1 : 0;
  return assembleRows({ name: source.name, images }, cache, options).map((r) => ({
    ...r,
    image: free[r.image]!,
    label,
  }));
}

/**
 * Treats the named groups as collections of independent photos (a web-photo set, not frames of one
 * drive): each image becomes its own group, so cross-validation may split them. Views of one image
 * always stay together. A name matches a group as written or, for groups namespaced by their
 * `--data` folder (`folder/group`), without the folder: `tracon-web` splits `roadwork-real-train/tracon-web`.
 */
export function splitGroups(rows: readonly ViewRow[], names: readonly string[]): ViewRow[] {
  if (names.length === 0) return [...rows];
  const split = new Set(names);
  const named = (g: string) => split.has(g) || (g.includes('/') && split.has(g.slice(g.indexOf('/') + 1)));
  return rows.map((r) => (named(r.group) ? { ...r, group: `${r.group}/${r.image}` } : r));
}

/**
 * The rows of several embedders of the same views side by side (`x` and `xh` concatenated in order),
 * as `concatEmbedders` serves them. Every list must hold the same views in the same order.
 */
export function concatRows(lists: readonly (readonly ViewRow[])[]): ViewRow[] {
  const [first, ...rest] = lists;
  if (first === undefined) return [];
  if (rest.length === 0) return [...first];
  return first.map((row, i) => {
    const parts = lists.map((l) => l[i]);
    if (parts.some((p) => p === undefined || p.image !== row.image || p.level !== row.level)) {
      throw new RoadworkError(
        'ERR_INTERNAL',
        `concatRows(): the embedders' rows differ at row ${i}; embed the same views in the same order.`,
      );
    }
    const views = parts as ViewRow[];
    const xh = views.every((v) => v.xh !== undefined) ? concatVectors(views.map((v) => v.xh!)) : undefined;
    const { image, group, label, level } = row;
    return { image, group, label, level, x: concatVectors(views.map((v) => v.x)), ...(xh ? { xh } : {}) };
  });
}
