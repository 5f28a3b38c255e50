// The repository's content on disk: the bundle as registered, model_card.json, README.md and SHA256SUMS.
import { createHash } from 'node:crypto';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDir, writeDirAtomic } from '../../core/files/index.js';
import { MANIFEST_FILE, verifyBundle, type ModelVersion } from '../registry/index.js';
import { modelCardJson, readmeCard, type CardInput, type ModelCardJson } from './_card.js';

/** One file of the staged repository. */
export interface StagedFile {
  /** `/`-separated, relative to the repository root. */
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

/** A repository folder ready to upload. */
export interface StagedRepo {
  readonly dir: string;
  readonly card: ModelCardJson;
  /** Every file, the card and README included, sorted by path. */
  readonly files: readonly StagedFile[];
}

/** Byte order of paths, as `sort` and the hub list them. */
const byPath = (a: StagedFile, b: StagedFile): number => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

/**
 * Writes the repository for `input.version` into `dir` (new or empty; filled atomically): the bundle's
 * files checked against its manifest first, so a bundle changed on disk is never published.
 */
export async function stageRepo(dir: string, input: CardInput): Promise<StagedRepo> {
  const version: ModelVersion = input.version;
  const manifest = await verifyBundle(version.dir);
  return writeDirAtomic(
    dir,
    async (tmp) => {
      const files: StagedFile[] = [];
      const add = async (path: string, data: Uint8Array | string): Promise<void> => {
        const target = join(tmp, ...path.split('/'));
        await makeDir(dirname(target));
        await writeFile(target, data);
        files.push({ path, sha256: sha256(data), bytes: Buffer.byteLength(data) });
      };
      for (const f of manifest.files) {
        const target = join(tmp, ...f.path.split('/'));
        await makeDir(dirname(target));
        await copyFile(join(version.dir, ...f.path.split('/')), target);
        files.push({ path: f.path, sha256: f.sha256, bytes: f.bytes });
      }
      await add(MANIFEST_FILE, await readFile(join(version.dir, MANIFEST_FILE)));
      const card = modelCardJson(input);
      await add('model_card.json', `${JSON.stringify(card, null, 2)}\n`);
      files.sort(byPath);
      await add('README.md', readmeCard(input, files));
      await add('SHA256SUMS', files.map((f) => `${f.sha256}  ${f.path}\n`).join(''));
      files.sort(byPath);
      return { dir, card, files };
    },
    { what: 'publish', flag: '--out' },
  );
}
