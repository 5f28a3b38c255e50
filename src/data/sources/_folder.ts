/** Labelled image sources for the local validator: a folder with `pos/` and `neg/`, optionally a manifest. */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { parseCsvLine } from '../../core/csv/index.js';
import type { RgbImage } from '../../inference/image/index.js';
import { decodeRgb } from '../../inference/image/_codec.js';
import type { Rng } from '../../core/random/index.js';

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
  if (images.length === 0 && !existsSync(dir)) {
    throw invalid(
      `No such folder: ${dir} (${resolve(dir)}). Check the path; relative paths start from the current folder.`,
    );
  }
  if (images.length === 0) {
    throw invalid(
      `No labelled images found in the folder: ${dir}. Add pos/ and neg/ images or a manifest.csv.`,
    );
  }
  return Object.freeze({ name: dir, images: Object.freeze(images) });
}

/** One image left out of a run because it could not be read or decoded. */
export interface ImageSkip {
  readonly id: string;
  /** The source it belongs to (its folder or parquet path). */
  readonly source: string;
  readonly reason: string;
}

/** Options of `SkippedImages`. */
export interface SkippedImagesOptions {
  /** Fail at the first unreadable image instead of skipping it (`--strict`). Default false. */
  readonly strict?: boolean;
  /** Called once per image skipped; default: one warning line on stderr naming it. */
  readonly onSkip?: (skip: ImageSkip) => void;
}

function warnOnStderr(skip: ImageSkip): void {
  process.stderr.write(`warning: ${describeSkip(skip)}; skipped\n`);
}

/** "pos/a.jpg in DIR: reason", the way warnings and errors name an unreadable image. */
export function describeSkip(skip: ImageSkip): string {
  return `unreadable image ${skip.id} in ${skip.source}: ${skip.reason}`;
}

/**
 * The unreadable images of one run. Everything that reads images from a source (the challenge
 * draw, training's embedding step) reports failures here, so each bad file is named once, counted,
 * and never read again; with `strict` the first one fails the run instead.
 */
export class SkippedImages {
  readonly #skips = new Map<LabelledImage, ImageSkip>();
  readonly #strict: boolean;
  readonly #onSkip: (skip: ImageSkip) => void;

  constructor(options: SkippedImagesOptions = {}) {
    this.#strict = options.strict ?? false;
    this.#onSkip = options.onSkip ?? warnOnStderr;
  }

  /** Whether `image` was found unreadable already. */
  has(image: LabelledImage): boolean {
    return this.#skips.has(image);
  }

  /** Records `image` as unreadable because of `err`; with `strict`, throws ERR_DATASET_INVALID instead. */
  record(image: LabelledImage, source: string, err: unknown): void {
    if (this.#skips.has(image)) return;
    const skip: ImageSkip = { id: image.id, source, reason: reasonOf(err) };
    if (this.#strict) {
      throw new RoadworkError(
        'ERR_DATASET_INVALID',
        `Found an ${describeSkip(skip)}. Fix or remove the file, or drop --strict to skip it.`,
        { cause: err },
      );
    }
    this.#skips.set(image, skip);
    this.#onSkip(skip);
  }

  /** How many images were skipped. */
  get count(): number {
    return this.#skips.size;
  }

  /** The skipped images, in the order they were found. */
  list(): ImageSkip[] {
    return [...this.#skips.values()];
  }

  /** One line for the end of a run: the count and the first few names; '' when none. */
  summary(): string {
    if (this.count === 0) return '';
    const names = this.list().map((s) => s.id);
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, … (${names.length - 5} more)` : '');
    return `${this.count} unreadable image${this.count === 1 ? '' : 's'} skipped: ${shown}`;
  }
}

function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // decodeRgb's message ends with the fix for HTTP callers; the file's reason is what came before.
  return message
    .replace(/^Could not decode the image: /, '')
    .replace(/\. Use a JPEG, PNG or WebP file\.$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Reads and decodes one labelled image to RGB; fails with the reader's or the decoder's error. */
export async function decodeLabelled(image: LabelledImage): Promise<RgbImage> {
  return decodeRgb(await image.load());
}

/**
 * Draws a readable image among `candidates` with `rng` and returns it decoded. An image that fails
 * to load or decode is recorded in `skips` and another is drawn, so one bad file costs a warning,
 * not the run; images already known bad are never drawn. Fails with ERR_DATASET_INVALID when no
 * candidate is readable.
 */
export async function drawReadable(
  candidates: readonly LabelledImage[],
  rng: Rng,
  options: { readonly skips: SkippedImages; readonly source: string; readonly what: string },
): Promise<{ image: LabelledImage; rgb: RgbImage }> {
  const { skips } = options;
  let left = candidates.filter((image) => !skips.has(image));
  while (left.length > 0) {
    const image = rng.choice(left);
    try {
      return { image, rgb: await decodeLabelled(image) };
    } catch (err) {
      skips.record(image, options.source, err);
      left = left.filter((i) => i !== image);
    }
  }
  const bad = candidates.length;
  throw new RoadworkError(
    'ERR_DATASET_INVALID',
    `No readable ${options.what} left in ${options.source}: ${bad === 0 ? 'there are none' : `all ${bad} are unreadable (${skips.summary()})`}. Add readable images of both labels.`,
  );
}
