// Model bundles: a folder of files with a manifest of checksums, refused at load when any file differs.
import { createHash } from 'node:crypto';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize } from 'node:path';
import { systemClock, type Clock } from '../../core/clock/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { makeDir } from '../../core/files/index.js';

/** The manifest file inside every bundle. */
export const MANIFEST_FILE = 'manifest.json';
/** The cascade config file `createBundle` writes; serve with `--cascade.config <bundle>/cascade.json`. */
export const CASCADE_FILE = 'cascade.json';

/** One file of a bundle. */
export interface BundleFile {
  /** Relative to the bundle folder, `/`-separated. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** `manifest.json`. `id` hashes everything else but `created_at`, so the manifest cannot be edited either. */
export interface BundleManifest {
  readonly format: 1;
  readonly id: string;
  readonly created_at: string;
  readonly parent: string | null;
  readonly data_version: string | null;
  /** The cascade config file among `files`. */
  readonly config: string;
  readonly metrics: Readonly<Record<string, unknown>>;
  readonly files: readonly BundleFile[];
}

/** What a bundle is made of. */
export interface CreateBundleOptions {
  /** Files to copy in: name inside the bundle → source path (weights, head, calibration, ...). */
  readonly files: Readonly<Record<string, string>>;
  /** The cascade config as written, model paths relative to the bundle (they resolve against it). */
  readonly config: unknown;
  readonly metrics?: Readonly<Record<string, unknown>>;
  /** The dataset version it was trained on (`roadwork data list`). */
  readonly dataVersion?: string;
  /** The model version it was derived from. */
  readonly parent?: string;
  readonly clock?: Clock;
}

function loadError(message: string, cause?: unknown): RoadworkError {
  return new RoadworkError('ERR_MODEL_LOAD', message, cause === undefined ? undefined : { cause });
}

function safePath(path: string): string {
  const p = normalize(path).replace(/\\/g, '/');
  if (p === '' || isAbsolute(p) || p.startsWith('../') || p === '..' || p === MANIFEST_FILE) {
    throw loadError(`Bundle file name is not a plain relative path: ${path}; use names inside the bundle.`);
  }
  return p;
}

async function digest(file: string): Promise<{ sha256: string; bytes: number }> {
  const data = await readFile(file);
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

/** The id a manifest must carry: a hash of its content, `created_at` and `id` aside. */
export function bundleId(manifest: Omit<BundleManifest, 'id' | 'created_at'>): string {
  const { format, parent, data_version, config, metrics, files } = manifest;
  const canonical = JSON.stringify({
    format,
    parent,
    data_version,
    config,
    metrics,
    files: [...files].sort((a, b) => (a.path < b.path ? -1 : 1)).map((f) => [f.path, f.sha256, f.bytes]),
  });
  return `m-${createHash('sha256').update(canonical).digest('hex').slice(0, 16)}`;
}

/**
 * Writes a bundle into `dir`: copies the files, writes the cascade config, then `manifest.json` last
 * (a folder without a manifest is not a bundle, so a crash halfway leaves nothing loadable).
 */
export async function createBundle(dir: string, options: CreateBundleOptions): Promise<BundleManifest> {
  await makeDir(dir);
  const files: BundleFile[] = [];
  for (const [name, source] of Object.entries(options.files)) {
    const path = safePath(name);
    if (path === CASCADE_FILE)
      throw loadError(`Bundle file name is reserved: ${name}; pass the config as config.`);
    await makeDir(dirname(join(dir, path)));
    await copyFile(source, join(dir, path));
    files.push({ path, ...(await digest(join(dir, path))) });
  }
  await writeFile(join(dir, CASCADE_FILE), `${JSON.stringify(options.config, null, 2)}\n`);
  files.push({ path: CASCADE_FILE, ...(await digest(join(dir, CASCADE_FILE))) });
  const body = {
    format: 1 as const,
    parent: options.parent ?? null,
    data_version: options.dataVersion ?? null,
    config: CASCADE_FILE,
    metrics: options.metrics ?? {},
    files,
  };
  const manifest: BundleManifest = {
    id: bundleId(body),
    created_at: new Date((options.clock ?? systemClock()).nowMs()).toISOString(),
    ...body,
  };
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Checks every file of the bundle at `dir` against its manifest (size, then sha256) and the
 * manifest against its id. Fails with ERR_MODEL_LOAD naming the first file that differs.
 */
export async function verifyBundle(dir: string): Promise<BundleManifest> {
  const manifestPath = join(dir, MANIFEST_FILE);
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as BundleManifest;
  } catch (err) {
    throw loadError(`Bundle manifest cannot be read: ${manifestPath}; is this a model bundle folder?`, err);
  }
  if (manifest?.format !== 1 || !Array.isArray(manifest.files) || typeof manifest.config !== 'string') {
    throw loadError(`Bundle manifest is not format 1: ${manifestPath}; recreate the bundle.`);
  }
  if (bundleId(manifest) !== manifest.id) {
    throw loadError(
      `Bundle manifest was modified (its id does not match its content): ${manifestPath}; recreate the bundle.`,
    );
  }
  if (!manifest.files.some((f) => f.path === manifest.config)) {
    throw loadError(`Bundle manifest lists no cascade config file: ${manifest.config}; recreate the bundle.`);
  }
  for (const f of manifest.files) {
    const file = join(dir, safePath(f.path));
    const size = await stat(file).then(
      (s) => s.size,
      () => undefined,
    );
    if (size === undefined) throw loadError(`Bundle file is missing: ${file}; restore the bundle.`);
    if (size !== f.bytes || (await digest(file)).sha256 !== f.sha256) {
      throw loadError(
        `Bundle file fails its checksum: ${file} (${basename(dir)}); the file changed since the bundle was made, restore it.`,
      );
    }
  }
  return manifest;
}
