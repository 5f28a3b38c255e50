/** The NATIX dataset layout (`natix-network-org/roadwork`): parquet files with an image column, `label`, `scene_description`. */
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { RoadworkError } from '../../core/errors/index.js';
import type { LabelledImage, LabelledImageSource } from './_folder.js';
import { imageBytes, isConsistentRow, pythonTruthy } from './_parquet-row.js';

export { isConsistentRow };

/** A parquet source, with how many rows the validator's rule left out. */
export interface ParquetImageSource extends LabelledImageSource {
  /** Rows whose `label` and `scene_description` disagree, or whose label is not 0 or 1. */
  readonly skipped: number;
  readonly files: readonly string[];
}

/** Options of `openParquetSource`. */
export interface ParquetSourceOptions {
  /** The group every image reports under; default `natix`. */
  readonly group?: string;
}

function invalid(message: string, cause?: unknown): RoadworkError {
  return new RoadworkError('ERR_DATASET_INVALID', message, cause === undefined ? undefined : { cause });
}

/** Every `.parquet` file at `path` (a file, or a folder searched recursively), sorted. */
export async function findParquetFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) throw invalid(`The parquet path does not exist: ${path}. Check the path.`);
  if (info.isFile()) return [path];
  const names = await readdir(path, { recursive: true });
  return names
    .filter((n) => n.toLowerCase().endsWith('.parquet'))
    .map((n) => join(path, n))
    .sort();
}

async function openFile(
  path: string,
  root: string,
  group: string,
): Promise<{ images: LabelledImage[]; skipped: number }> {
  let file: AsyncBuffer;
  let metadata: FileMetaData;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw invalid(`Cannot read the parquet file: ${path}. Check that it is a complete parquet file.`, err);
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  // The validator's extractor takes the first column whose name contains "image".
  const imageColumn = columns.find((c) => c.toLowerCase().includes('image'));
  const missing = [
    ...(imageColumn === undefined ? ['an image column'] : []),
    ...['label', 'scene_description'].filter((c) => !columns.includes(c)),
  ];
  if (imageColumn === undefined || missing.length > 0) {
    throw invalid(
      `The parquet file lacks ${missing.join(', ')}: ${path} has ${columns.join(', ')}. Use the NATIX layout (image, label, scene_description).`,
    );
  }
  const rows = await parquetReadObjects({ file, metadata, columns: ['label', 'scene_description'] });
  const name = relative(root, path) || basename(path);
  const images: LabelledImage[] = [];
  rows.forEach((row, index) => {
    const label = toLabel(row.label);
    if (label === undefined || !isConsistentRow(label, pythonTruthy(row.scene_description))) return;
    const load = async (): Promise<Buffer> => {
      const [cell] = await parquetReadObjects({
        file,
        metadata,
        columns: [imageColumn],
        rowStart: index,
        rowEnd: index + 1,
        utf8: false,
      });
      const bytes = imageBytes(cell?.[imageColumn]);
      if (bytes === undefined)
        throw invalid(`No image bytes in row ${index} of ${path}. Skip or fix the row.`);
      return bytes;
    };
    images.push(Object.freeze({ id: `${name}#${index}`, label, group, load }));
  });
  return { images, skipped: rows.length - images.length };
}

function toLabel(value: unknown): 0 | 1 | undefined {
  // Python compares with == 0 / == 1, so 1, 1.0, True and an int64 all count as 1.
  const n = typeof value === 'bigint' ? Number(value) : typeof value === 'boolean' ? Number(value) : value;
  return n === 0 ? 0 : n === 1 ? 1 : undefined;
}

/**
 * Opens NATIX parquet data: one `.parquet` file or every one under a folder. Rows are kept as the
 * validator's `ImageCache.sample` keeps them (see `isConsistentRow`); image bytes are read from the
 * file only when a challenge needs them. Fails when no row survives.
 */
export async function openParquetSource(
  path: string,
  options: ParquetSourceOptions = {},
): Promise<ParquetImageSource> {
  const files = await findParquetFiles(path);
  if (files.length === 0) {
    throw invalid(`No .parquet files found under the folder: ${path}. Give a parquet file or its folder.`);
  }
  const opened = [];
  for (const file of files) opened.push(await openFile(file, path, options.group ?? 'natix'));
  const images = opened.flatMap((o) => o.images);
  const skipped = opened.reduce((s, o) => s + o.skipped, 0);
  if (images.length === 0) {
    throw invalid(
      `No usable rows in the parquet data: ${path} (${skipped} rows skipped). Check the label and scene_description columns.`,
    );
  }
  return Object.freeze({ name: path, images: Object.freeze(images), skipped, files: Object.freeze(files) });
}
