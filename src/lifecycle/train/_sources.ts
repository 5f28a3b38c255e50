// Several labelled folders as one training source: groups namespaced by folder, image ids kept.
import { basename, resolve } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { openImageFolder, type LabelledImage, type LabelledImageSource } from '../../data/sources/index.js';

/** The separator between a folder's namespace and its manifest group (`roadwork-real-train/tracon-web`). */
export const GROUP_NAMESPACE_SEPARATOR = '/';

/**
 * The namespace of each folder: its base name, with `~2`, `~3`… after the first folder of the same
 * name. Fails with ERR_CONFIG_INVALID when one folder is given twice.
 */
export function folderNamespaces(dirs: readonly string[]): string[] {
  const seen = new Set<string>();
  const counts = new Map<string, number>();
  return dirs.map((dir) => {
    const full = resolve(dir);
    if (seen.has(full))
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Invalid --data: ${dir} is given twice; give each folder once`,
      );
    seen.add(full);
    const name = basename(full) || 'data';
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    return n === 1 ? name : `${name}~${n}`;
  });
}

/**
 * Opens one labelled folder as it is, or several as one source. With several, every group is
 * namespaced by its folder (`<folder name>/<group>`, so `neg` of one folder and `neg` of another
 * stay two groups) and image ids stay the paths inside their folder: an image renders the same
 * views, under the same embedding-cache keys, alone or beside other folders. Two folders holding
 * the same path would share those keys, so that is refused (ERR_DATASET_INVALID).
 */
export async function openTrainingFolders(dirs: string | readonly string[]): Promise<LabelledImageSource> {
  const list = typeof dirs === 'string' ? [dirs] : dirs;
  if (list.length === 0)
    throw new RoadworkError('ERR_CONFIG_INVALID', 'Invalid --data: none given; give a folder');
  if (list.length === 1) return openImageFolder(list[0]!);
  const names = folderNamespaces(list);
  const images: LabelledImage[] = [];
  const owner = new Map<string, string>();
  for (const [i, dir] of list.entries()) {
    const source = await openImageFolder(dir);
    for (const image of source.images) {
      const other = owner.get(image.id);
      if (other !== undefined)
        throw new RoadworkError(
          'ERR_DATASET_INVALID',
          `Two --data folders hold the same file path: ${image.id} in ${other} and ${dir}; the embedding cache keys views by that path, so rename one`,
        );
      owner.set(image.id, dir);
      const group = `${names[i]!}${GROUP_NAMESPACE_SEPARATOR}${image.group}`;
      images.push(Object.freeze({ id: image.id, label: image.label, group, load: () => image.load() }));
    }
  }
  return Object.freeze({ name: list.join(' + '), images: Object.freeze(images) });
}
