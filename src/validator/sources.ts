/** Labelled image sources for the local validator: a folder with `pos/` and `neg/`, optionally a manifest. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RoadworkError } from '../errors/index.js';

/** One image with its ground truth; bytes are read only when a challenge needs them. */
export interface LabelledImage {
  readonly id: string;
  /** 1 = roadwork. */
  readonly label: 0 | 1;
  /** Where it came from (dataset, city, generator); reports break scores down by it. */
  readonly group: string;
  load(): Promise<Buffer>;
}

/** A fixed list of labelled images. */
export interface LabelledImageSource {
  readonly name: string;
  readonly images: readonly LabelledImage[];
}

const IMAGE_EXTENSIONS = /\.(jpe?g|png|webp)$/i;

/** Splits one CSV line, honouring double quotes (RFC 4180 without embedded newlines). */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

function invalid(message: string, cause?: unknown): RoadworkError {
  return new RoadworkError('ERR_DATASET_INVALID', message, cause === undefined ? undefined : { cause });
}

function parseLabel(value: string | undefined, where: string): 0 | 1 {
  const v = value?.trim();
  if (v === '1' || v === '1.0') return 1;
  if (v === '0' || v === '0.0') return 0;
  throw invalid(`Manifest label is not 0 or 1 at ${where}: ${JSON.stringify(value)}. Fix the row.`);
}

function fileImage(dir: string, file: string, label: 0 | 1, group: string): LabelledImage {
  const path = join(dir, file);
  return Object.freeze({ id: file, label, group, load: () => readFile(path) });
}

async function fromManifest(dir: string, text: string): Promise<LabelledImage[]> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = parseCsvLine(lines[0] ?? '').map((h) => h.trim().toLowerCase());
  const fileCol = header.findIndex((h) => h === 'file' || h === 'path');
  const labelCol = header.indexOf('label');
  const groupCol = header.indexOf('group');
  if (fileCol < 0 || labelCol < 0) {
    throw invalid(`Manifest header lacks a file/path or label column: ${header.join(',')}. Add them.`);
  }
  return lines.slice(1).map((line, i) => {
    const row = parseCsvLine(line);
    const file = row[fileCol]?.trim();
    if (!file) throw invalid(`Manifest row has no file at line ${i + 2}: ${line}. Fix the row.`);
    const label = parseLabel(row[labelCol], `line ${i + 2}`);
    const group = (groupCol >= 0 ? row[groupCol]?.trim() : undefined) || (label ? 'pos' : 'neg');
    return fileImage(dir, file, label, group);
  });
}

async function fromFolders(dir: string): Promise<LabelledImage[]> {
  const images: LabelledImage[] = [];
  for (const [sub, label] of [
    ['pos', 1],
    ['neg', 0],
  ] as const) {
    let names: string[];
    try {
      names = await readdir(join(dir, sub));
    } catch {
      continue;
    }
    for (const name of names.filter((n) => IMAGE_EXTENSIONS.test(n)).sort()) {
      images.push(fileImage(dir, `${sub}/${name}`, label, sub));
    }
  }
  return images;
}

/**
 * Opens an image folder: rows of `manifest.csv` (columns `file` or `path`, `label`, optional `group`;
 * paths relative to the folder) when present, otherwise every image under `pos/` (label 1) and
 * `neg/` (label 0). Fails when the folder yields no images.
 */
export async function openImageFolder(dir: string): Promise<LabelledImageSource> {
  let manifest: string | undefined;
  try {
    manifest = await readFile(join(dir, 'manifest.csv'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw invalid(`Could not read the manifest: ${join(dir, 'manifest.csv')}. Check its permissions.`, err);
    }
  }
  const images = manifest === undefined ? await fromFolders(dir) : await fromManifest(dir, manifest);
  if (images.length === 0) {
    throw invalid(
      `No labelled images found in the folder: ${dir}. Add pos/ and neg/ images or a manifest.csv.`,
    );
  }
  return Object.freeze({ name: dir, images: Object.freeze(images) });
}
