// The listing saved beside a pulled revision, so later runs (and offline mode) skip the network.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepoListing } from './_list.js';

/** File name of the manifest inside a revision folder. */
export const MANIFEST = '.roadwork-manifest.json';

/** What a manifest holds: the repo, when it was listed, and the whole listing. */
export interface Manifest extends RepoListing {
  readonly repo: string;
  readonly revision: string;
  readonly listedAt: string;
}

/** The folder's manifest, or undefined when there is none or it cannot be read. */
export async function readManifest(folder: string): Promise<Manifest | undefined> {
  try {
    const value = JSON.parse(await readFile(join(folder, MANIFEST), 'utf8')) as Manifest;
    return Array.isArray(value.files) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the manifest atomically. */
export async function writeManifest(folder: string, manifest: Manifest): Promise<void> {
  const path = join(folder, MANIFEST);
  await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}
