// Which reader a `data add` path needs: an image folder (pos/ neg/ or manifest.csv) or NATIX parquet.
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { openImageFolder, openParquetSource, type LabelledImageSource } from '../sources/index.js';

/** Opens `path` with the validator's readers (one reader per layout in the project, not a second one). */
export async function openDataSource(path: string): Promise<LabelledImageSource> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `The dataset path does not exist: ${path}. Give a folder with pos/ and neg/ (or manifest.csv), or parquet.`,
    );
  }
  if (info.isFile()) return openParquetSource(path);
  const marks = await Promise.all(
    ['manifest.csv', 'pos', 'neg'].map((n) =>
      access(join(path, n)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return marks.some(Boolean) ? openImageFolder(path) : openParquetSource(path);
}
