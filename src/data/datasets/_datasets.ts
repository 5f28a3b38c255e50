// Dataset versions in the store: ingest (check, copy, record), list, show, export.
import { createHash } from 'node:crypto';
import { copyFile, rename, writeFile, access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Clock } from '../../core/clock/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { csvCell } from '../../core/csv/index.js';
import { makeDir } from '../../core/files/index.js';
import type { Store } from '../../core/store/index.js';
import {
  CHECK_DEFAULTS,
  checkCandidates,
  type Candidate,
  type CheckOptions,
  type CheckResult,
} from './_checks.js';
import { inspectImage } from './_inspect.js';
import { openDataSource } from './_source.js';

/** What dataset operations need: the store, where image files live, the time. */
export interface DataDeps {
  readonly store: Store;
  /** Content-addressed image files: `<imagesDir>/<sha[0:2]>/<sha>.<ext>`. */
  readonly imagesDir: string;
  readonly clock: Clock;
}

/** Options of `addDataset`. */
export interface AddDatasetOptions extends CheckOptions {
  readonly name: string;
  /** Images inspected at once. Default 4. */
  readonly concurrency?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** The outcome of `addDataset`, for people (see `formatReport`) and machines (JSON). */
export interface DataReport extends CheckResult {
  readonly version: string;
  readonly name: string;
  readonly source: string;
  /** False when identical content was already stored under this version. */
  readonly created: boolean;
  readonly scanned: number;
  readonly positives: number;
  readonly negatives: number;
  readonly checks: Required<CheckOptions>;
}

/** A stored version, as `data list` shows it. */
export interface DatasetSummary {
  readonly version: string;
  readonly name: string;
  readonly source: string;
  readonly createdAt: number;
  readonly images: number;
  readonly positives: number;
}

/** One image of a version. */
export interface DatasetImage {
  readonly sha256: string;
  readonly label: 0 | 1;
  readonly group: string;
  /** Where it was ingested from. */
  readonly path: string;
  readonly ext: string;
}

/**
 * The version id of a set of images: a hash of (sha256, label, group), sorted, so the same content
 * gives the same id whatever the folder or file order.
 */
export function datasetVersionId(
  entries: readonly { sha256: string; label: number; group: string }[],
): string {
  const lines = entries.map((e) => `${e.sha256}\t${e.label}\t${e.group}\n`).sort();
  return `d-${createHash('sha256').update(lines.join('')).digest('hex').slice(0, 16)}`;
}

/** Where the store keeps an image file. */
export function imageFile(imagesDir: string, sha256: string, ext: string): string {
  return join(imagesDir, sha256.slice(0, 2), `${sha256}.${ext}`);
}

/** Reads, checks and stores a labelled folder or parquet data as a dataset version. */
export async function addDataset(
  path: string,
  deps: DataDeps,
  options: AddDatasetOptions,
): Promise<DataReport> {
  const source = await openDataSource(path);
  const candidates: Candidate[] = new Array(source.images.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (let i = next++; i < source.images.length; i = next++) {
      const img = source.images[i]!;
      const bytes = await img.load();
      const facts = await inspectImage(bytes);
      if (!facts.problem) await storeImageFile(deps.imagesDir, facts.sha256, facts.ext!, bytes);
      candidates[i] = { id: img.id, label: img.label, group: img.group, facts };
      options.onProgress?.(++done, source.images.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  const checks = {
    minSide: options.minSide ?? CHECK_DEFAULTS.minSide,
    hamming: options.hamming ?? CHECK_DEFAULTS.hamming,
  };
  const result = checkCandidates(candidates, checks);
  const version = datasetVersionId(
    result.accepted.map((c) => ({ sha256: c.facts.sha256, label: c.label, group: c.group })),
  );
  if (result.accepted.length === 0) {
    throw new RoadworkError(
      'ERR_DATASET_INVALID',
      `No image of the dataset passed the checks: ${path} (${result.rejected.length} rejected). Check the files.`,
    );
  }
  const positives = result.accepted.filter((c) => c.label === 1).length;
  const report: DataReport = {
    version,
    name: options.name,
    source: source.name,
    created: false,
    scanned: candidates.length,
    positives,
    negatives: result.accepted.length - positives,
    checks,
    ...result,
  };
  let storedName = options.name;
  const created = deps.store.transaction(() => {
    const stored = deps.store.get<{ name: string }>('SELECT name FROM datasets WHERE version = ?', [version]);
    // The same content again: the version keeps the name it was stored under, and the report says it.
    if (stored) {
      storedName = stored.name;
      return false;
    }
    deps.store.run('INSERT INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?)', [
      version,
      options.name,
      source.name,
      deps.clock.nowMs(),
      result.accepted.length,
      positives,
      JSON.stringify({ ...report, created: true }),
    ]);
    for (const c of result.accepted) {
      const f = c.facts;
      deps.store.run('INSERT OR IGNORE INTO images VALUES (?, ?, ?, ?, ?, ?)', [
        f.sha256,
        f.ext,
        f.bytes,
        f.width,
        f.height,
        f.phash,
      ]);
      deps.store.run('INSERT INTO dataset_images VALUES (?, ?, ?, ?, ?)', [
        version,
        f.sha256,
        c.label,
        c.group,
        c.id,
      ]);
    }
    return true;
  });
  return { ...report, name: storedName, created };
}

// Written under a temporary name and renamed, so a crash never leaves a half file under a valid name.
async function storeImageFile(imagesDir: string, sha256: string, ext: string, bytes: Buffer): Promise<void> {
  const file = imageFile(imagesDir, sha256, ext);
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (exists) return;
  await makeDir(dirname(file));
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

/** Every stored version, newest first. */
export function listDatasets(store: Store): DatasetSummary[] {
  return store.all<DatasetSummary>(
    'SELECT version, name, source, created_at AS createdAt, images, positives FROM datasets ORDER BY created_at DESC, version',
  );
}

/** A version's summary, stored check report and images; fails with ERR_VERSION_UNKNOWN. */
export function getDataset(
  store: Store,
  version: string,
): DatasetSummary & { report: DataReport; files: DatasetImage[] } {
  const row = store.get<DatasetSummary & { report: string }>(
    'SELECT version, name, source, created_at AS createdAt, images, positives, report FROM datasets WHERE version = ?',
    [version],
  );
  if (row === undefined) {
    throw new RoadworkError(
      'ERR_VERSION_UNKNOWN',
      `No dataset version in the store: ${version}. Run roadwork data list to see the versions.`,
    );
  }
  const files = store.all<DatasetImage>(
    `SELECT d.sha256, d.label, d.grp AS "group", d.path, i.ext FROM dataset_images d
     JOIN images i ON i.sha256 = d.sha256 WHERE d.version = ? ORDER BY d.path`,
    [version],
  );
  return { ...row, report: JSON.parse(row.report) as DataReport, files };
}

/**
 * Writes a version as a training folder: `pos/` and `neg/` image files named by checksum, and a
 * `manifest.csv` (file, label, group) that `roadwork train` and `roadwork eval` read.
 */
export async function exportDataset(
  version: string,
  outDir: string,
  deps: Pick<DataDeps, 'store' | 'imagesDir'>,
): Promise<{ files: number }> {
  const { files } = getDataset(deps.store, version);
  const lines = ['file,label,group'];
  for (const f of files) {
    const rel = `${f.label === 1 ? 'pos' : 'neg'}/${f.sha256.slice(0, 16)}.${f.ext}`;
    await makeDir(join(outDir, dirname(rel)));
    await copyFile(imageFile(deps.imagesDir, f.sha256, f.ext), join(outDir, rel)).catch((err: unknown) => {
      throw new RoadworkError(
        'ERR_DATASET_INVALID',
        `An image file of the dataset is missing from the store: ${imageFile(deps.imagesDir, f.sha256, f.ext)}. Ingest the data again.`,
        { cause: err },
      );
    });
    lines.push(`${rel},${f.label},${csvCell(f.group)}`);
  }
  await writeFile(join(outDir, 'manifest.csv'), `${lines.join('\n')}\n`);
  return { files: files.length };
}
