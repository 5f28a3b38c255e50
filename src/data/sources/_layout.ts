// Which labelled-data layout a folder holds, for the commands that take either.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { findParquetFiles } from './_parquet.js';

/** `images`: `manifest.csv`, `pos/` or `neg/`; `parquet`: NATIX .parquet files below it; `none`. */
export type FolderLayout = 'images' | 'parquet' | 'none';

/** What `dir` (an existing folder) holds; the image layout wins when both are present. */
export async function folderLayout(dir: string): Promise<FolderLayout> {
  const marks = await Promise.all(
    ['manifest.csv', 'pos', 'neg'].map((name) =>
      access(join(dir, name)).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (marks.some(Boolean)) return 'images';
  return (await findParquetFiles(dir)).length > 0 ? 'parquet' : 'none';
}

/** The error for a folder that holds neither layout. */
export function noLabelledData(dir: string): RoadworkError {
  return new RoadworkError(
    'ERR_DATASET_INVALID',
    `No labelled images or parquet files in the folder: ${dir}. Give a folder with pos/ and neg/ images (or a manifest.csv), or NATIX .parquet files.`,
  );
}
