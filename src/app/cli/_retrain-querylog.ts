// `roadwork retrain`'s query-log step: the labelled images the miner logged, as one more training folder.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Settings } from '../../core/config/index.js';
import { openImageFolder } from '../../data/sources/index.js';
import {
  exportQueries,
  openQueryStore,
  queryImagesDir,
  queryStoreLocation,
} from '../../lifecycle/querylog/index.js';
import { queryLogPlace } from '../miner/index.js';

/** The folder's name inside the cycle's temporary folder; training namespaces its groups by it. */
export const QUERYLOG_FOLDER = 'querylog';

/** What the query log gives a cycle. */
export interface QueryLogData {
  /** The exported folder to train on; absent when the query log is not used. */
  readonly folder?: string;
  /** Labelled images exported (used only with `folder`). */
  readonly images: number;
  readonly positives: number;
  /** Labelled images left out because a `--data` folder holds them under the same path already. */
  readonly duplicates: number;
  /** Why the query log is not used, when it is not. */
  readonly reason?: string;
}

/** Every image path (id) of the given `--data` folders; a folder that cannot be read is left to training to report. */
async function pathsIn(folders: readonly string[]): Promise<Set<string>> {
  const paths = new Set<string>();
  for (const dir of folders) {
    const source = await openImageFolder(dir).catch(() => undefined);
    for (const image of source?.images ?? []) paths.add(image.id);
  }
  return paths;
}

/**
 * Exports the query log's labelled images (`folders` format: `pos/`, `neg/`, `manifest.csv` grouped
 * by pHash) into `<tmp>/querylog`, and uses it when it holds at least `min` images. An image a
 * `--data` folder already holds under the same path (`pos/<sha256>.jpg`, from an earlier export) is
 * left out: training refuses two folders with one path, and it is the same image. A SQLite query log
 * that was never created reads as empty rather than being created here.
 */
export async function queryLogData(
  settings: Settings,
  tmp: string,
  options: { readonly min: number; readonly dataFolders: readonly string[] },
): Promise<QueryLogData> {
  const place = queryLogPlace(settings);
  if (place.storeUrl === '' && !existsSync(queryStoreLocation(place)))
    return { images: 0, positives: 0, duplicates: 0, reason: 'no query log in data_dir' };
  const taken = await pathsIn(options.dataFolders);
  const folder = join(tmp, QUERYLOG_FOLDER);
  const store = await openQueryStore(place);
  let exported;
  try {
    exported = await exportQueries(store, queryImagesDir(place), folder, {
      format: 'folders',
      exclude: (file) => taken.has(file),
    });
  } finally {
    await store.close();
  }
  const duplicates = exported.excluded;
  const images = exported.images;
  if (images < options.min || images === 0) {
    const reason = `${images} labelled images, fewer than --querylog-min ${options.min}`;
    return { images, positives: 0, duplicates, reason };
  }
  const positives = (await openImageFolder(folder)).images.filter((i) => i.label === 1).length;
  return { folder, images, positives, duplicates };
}
