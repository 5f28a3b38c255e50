// `roadwork queries export`: the logged images, one file per distinct image, in four layouts.
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { csvText } from '../../core/csv/index.js';
import { makeDir } from '../../core/files/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import { imagePath } from './_images.js';

/** The layouts `export` writes. */
export const EXPORT_FORMATS = Object.freeze(['folders', 'csv', 'coco', 'fiftyone'] as const);
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Options of `exportQueries`. */
export interface ExportOptions {
  readonly format: ExportFormat;
  /** Only images with a label (`folders` writes only those anyway: it has no folder for the rest). */
  readonly labelledOnly?: boolean;
  /**
   * Leaves out the images whose file path in the export (`pos/<sha256>.jpg` for `folders`) this names:
   * e.g. those another training folder already holds under the same path (an earlier export).
   */
  readonly exclude?: (file: string) => boolean;
}

/** What an export wrote. */
export interface ExportResult {
  readonly images: number;
  readonly labelled: number;
  /** Unlabelled images left out (`folders`, or `labelledOnly`). */
  readonly skipped: number;
  /** Files named by a row but missing on disk (should stay 0), left out. */
  readonly missing: number;
  /** Images `exclude` left out. */
  readonly excluded: number;
}

/** One distinct image with its latest request and its label. */
interface ExportRow {
  sha256: string;
  ext: string;
  width: number;
  height: number;
  phash: string;
  label: number | null;
  label_source: string | null;
  requests: number;
  prediction: number;
  model_version: string;
  validator: string;
  dendrite_version: number | null;
  generation: string;
  received_at: number;
}

const ROWS = `
  SELECT i.sha256, i.ext, i.width, i.height, i.phash, l.label, l.source AS label_source,
         (SELECT count(*) FROM queries c WHERE c.image_sha256 = i.sha256) AS requests,
         q.prediction, q.model_version, q.validator, q.dendrite_version, q.generation, q.received_at
  FROM query_images i
  JOIN queries q ON q.id = (SELECT max(id) FROM queries m WHERE m.image_sha256 = i.sha256)
  LEFT JOIN labels l ON l.sha256 = i.sha256
  ORDER BY q.received_at, i.sha256`;

/**
 * Writes the logged images to `outDir`:
 * - `folders`: `pos/`, `neg/` and `manifest.csv` (file,label,group; group = the pHash, so near-identical
 *   frames stay in one fold) — what `roadwork train --data` and `eval --data` read;
 * - `csv`: `images/` and `queries.csv` (one row per image: label, prediction, validator, version…);
 * - `coco`: `images/` and `annotations.json` (COCO, one whole-image annotation per labelled image);
 * - `fiftyone`: `data/` and `labels.json` (FiftyOne's FiftyOneImageClassificationDataset).
 */
export async function exportQueries(
  store: AsyncStore,
  imagesDir: string,
  outDir: string,
  options: ExportOptions,
): Promise<ExportResult> {
  if (!EXPORT_FORMATS.includes(options.format))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Unknown export format: ${String(options.format)}; use one of ${EXPORT_FORMATS.join(', ')}.`,
    );
  const all = await store.all<ExportRow>(ROWS);
  const keepUnlabelled = options.format !== 'folders' && options.labelledOnly !== true;
  const rows = all.filter((r) => r.label !== null || keepUnlabelled);
  let missing = 0;
  let excluded = 0;
  const written: (ExportRow & { file: string })[] = [];
  const sub = { folders: '', csv: 'images', coco: 'images', fiftyone: 'data' }[options.format];
  for (const r of rows) {
    const file =
      options.format === 'folders'
        ? `${r.label === 1 ? 'pos' : 'neg'}/${r.sha256}.${r.ext}`
        : `${sub}/${r.sha256}.${r.ext}`;
    if (options.exclude?.(file) === true) {
      excluded++;
      continue;
    }
    await makeDir(join(outDir, file, '..'));
    try {
      await copyFile(imagePath(imagesDir, r.sha256, r.ext), join(outDir, file));
      written.push({ ...r, file });
    } catch {
      missing++;
    }
  }
  await makeDir(outDir);
  await writeIndex(outDir, options.format, written);
  return {
    images: written.length,
    labelled: written.filter((r) => r.label !== null).length,
    skipped: all.length - rows.length,
    missing,
    excluded,
  };
}

async function writeIndex(
  outDir: string,
  format: ExportFormat,
  rows: readonly (ExportRow & { file: string })[],
) {
  if (format === 'folders') {
    await writeFile(
      join(outDir, 'manifest.csv'),
      csvText(
        ['file', 'label', 'group'],
        rows.map((r) => [r.file, r.label, r.phash || r.sha256]),
      ),
    );
  } else if (format === 'csv') {
    const header = [
      'file',
      'sha256',
      'label',
      'label_source',
      'phash',
      'width',
      'height',
      'requests',
      'prediction',
      'model_version',
      'validator',
      'dendrite_version',
      'generation',
      'received_at',
    ] as const;
    await writeFile(
      join(outDir, 'queries.csv'),
      csvText(
        header,
        rows.map((r) =>
          header.map((h) => (h === 'received_at' ? new Date(Number(r.received_at)).toISOString() : r[h])),
        ),
      ),
    );
  } else if (format === 'coco') {
    const images = rows.map((r, i) => ({
      id: i + 1,
      file_name: r.file,
      width: r.width,
      height: r.height,
      sha256: r.sha256,
    }));
    const annotations = rows.flatMap((r, i) =>
      r.label === null
        ? []
        : [
            {
              id: i + 1,
              image_id: i + 1,
              category_id: r.label === 1 ? 1 : 2,
              bbox: [0, 0, r.width, r.height],
              area: r.width * r.height,
              iscrowd: 0,
            },
          ],
    );
    const categories = [
      { id: 1, name: 'roadwork' },
      { id: 2, name: 'not_roadwork' },
    ];
    await writeFile(
      join(outDir, 'annotations.json'),
      JSON.stringify({ images, annotations, categories }, null, 1),
    );
  } else {
    // FiftyOneImageClassificationDataset: keys are file names without extension, targets index `classes`.
    const labels = Object.fromEntries(
      rows.map((r) => [r.sha256, r.label === null ? null : r.label === 1 ? 1 : 0]),
    );
    await writeFile(
      join(outDir, 'labels.json'),
      JSON.stringify({ classes: ['not_roadwork', 'roadwork'], labels }, null, 1),
    );
  }
}
