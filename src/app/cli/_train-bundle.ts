// `roadwork train --bundle DIR [--register]`: the trained head as a bundle, its lineage from the store.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataPath } from '../../core/files/index.js';
import { systemClock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import type { Head } from '../../inference/heads/index.js';
import type { ImagePolicy } from '../../inference/image/index.js';
import {
  ensureProduction,
  productionVersion,
  registerBundle,
  type BundleManifest,
} from '../../lifecycle/registry/index.js';
import type { ModelRef } from '../../inference/runtimes/index.js';
import { openStore, storeFile, type Store } from '../../core/store/index.js';
import { bundleMetrics, dataFingerprint, writeTrainedBundle } from '../../lifecycle/train/index.js';

/** What `train` hands over once the head is written. */
export interface TrainedModel {
  readonly head: Head;
  readonly headFile: string;
  readonly data: string;
  /** Ids of the images training skipped as unreadable (left out of the data fingerprint). */
  readonly skipped?: readonly string[];
  readonly embedders: readonly ModelRef[];
  readonly tta: boolean;
  /** The decode policy the views were embedded with (the bundle's cascade serves with it). */
  readonly preprocess?: ImagePolicy;
  readonly exits?: { readonly high: number; readonly low: number };
}

/** What was bundled, and where the registry keeps it when registered. */
export interface BundleOutcome {
  readonly manifest: BundleManifest;
  readonly ingested: boolean;
  readonly registeredAt?: string;
}

function ingestedVersion(store: Store | undefined, version: string): boolean {
  return store?.get('SELECT 1 FROM datasets WHERE version = ?', [version]) !== undefined;
}

/**
 * Writes the bundle; the data version is the `roadwork data` version when the folder's content was
 * ingested as is, else the folder and its content hash. Registers it when asked.
 */
export async function bundleTrainedModel(
  dir: string,
  model: TrainedModel,
  options: { settings: Settings; register: boolean },
): Promise<BundleOutcome> {
  const data = await dataFingerprint(model.data, { skipped: model.skipped ?? [] });
  const dataDir = dataPath(options.settings.data_dir);
  const file = storeFile(dataDir);
  // Without --register a missing store is not created: there is simply no lineage to look up.
  const store =
    options.register || existsSync(file)
      ? openStore(file, options.register ? {} : { readonly: true })
      : undefined;
  const registry =
    store === undefined ? undefined : { store, bundlesDir: join(dataDir, 'bundles'), clock: systemClock() };
  try {
    // Registering seeds production with the bundled starter first, so it becomes the parent.
    if (options.register && registry) await ensureProduction(registry);
    const ingested = ingestedVersion(store, data.version);
    const parent = store === undefined ? undefined : productionVersion(store)?.id;
    const manifest = await writeTrainedBundle(dir, {
      headFile: model.headFile,
      embedders: model.embedders,
      tta: model.tta,
      ...(model.preprocess ? { preprocess: model.preprocess } : {}),
      ...(model.exits ? { exits: model.exits } : {}),
      metrics: bundleMetrics(model.head, { data: { ...data, ingested } }),
      dataVersion: ingested ? data.version : `folder:${data.folder}@${data.version}`,
      ...(parent === undefined ? {} : { parent }),
    });
    if (!options.register || registry === undefined) return { manifest, ingested };
    const { version } = await registerBundle(dir, registry);
    return { manifest, ingested, registeredAt: version.dir };
  } finally {
    store?.close();
  }
}
