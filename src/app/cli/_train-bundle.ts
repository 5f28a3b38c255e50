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
import {
  bundleMetrics,
  dataFingerprint,
  planBaseCascade,
  writeTrainedBundle,
  type BasePlan,
  type DataFingerprint,
  type TrainedServing,
} from '../../lifecycle/train/index.js';
import { DEFAULT_CASCADE_FILE } from '../../inference/cascade/index.js';
import { RoadworkError, isRoadworkError } from '../../core/errors/index.js';

/** What `train` hands over once the head is written. */
export interface TrainedModel {
  readonly head: Head;
  /** The head file, or an ensemble's (`--ensemble`; `head`'s first). */
  readonly headFile: string | readonly string[];
  /** The metrics to record in place of `head`'s own (an ensemble's: `EnsembleResult.metrics`). */
  readonly metrics?: Readonly<Record<string, unknown>>;
  /** The `--data` folder, or several (every one is fingerprinted and named in the data version). */
  readonly data: string | readonly string[];
  /** Ids of the images training skipped as unreadable (left out of the data fingerprints). */
  readonly skipped?: readonly string[];
  readonly embedders: readonly ModelRef[];
  readonly tta: boolean;
  /** The decode policy the views were embedded with (the bundle's cascade serves with it). */
  readonly preprocess?: ImagePolicy;
  readonly exits?: { readonly high: number; readonly low: number };
  /** Serve it inside this cascade (`--base`). */
  readonly base?: BasePlan;
}

/** What was bundled, and where the registry keeps it when registered. */
export interface BundleOutcome {
  readonly manifest: BundleManifest;
  /** Every folder's content was found ingested as is (its data version is a `roadwork data` one). */
  readonly ingested: boolean;
  readonly registeredAt?: string;
}

function ingestedVersion(store: Store | undefined, version: string): boolean {
  return store?.get('SELECT 1 FROM datasets WHERE version = ?', [version]) !== undefined;
}

/** One training folder as the manifest records it. */
type FolderRecord = DataFingerprint & { readonly ingested: boolean };

/** A folder's data version: its `roadwork data` version when ingested as is, else the folder and its content hash. */
function folderVersion(f: FolderRecord): string {
  return f.ingested ? f.version : `folder:${f.folder}@${f.version}`;
}

/**
 * The manifest's `data_version` and `metrics.data` for one folder (as before several were allowed) or
 * several: every folder's version joined by ` + ` in `--data` order, and the totals with each folder's
 * record, so the registry names everything a version was trained on.
 */
function dataRecord(folders: readonly FolderRecord[]): { version: string; metrics: object } {
  if (folders.length === 1) return { version: folderVersion(folders[0]!), metrics: folders[0]! };
  const total = (k: 'images' | 'positives') => folders.reduce((s, f) => s + f[k], 0);
  return {
    version: folders.map(folderVersion).join(' + '),
    metrics: { images: total('images'), positives: total('positives'), folders },
  };
}

/**
 * Writes the bundle; the data version names every training folder (see `dataRecord`). Registers it
 * when asked.
 */
export async function bundleTrainedModel(
  dir: string,
  model: TrainedModel,
  options: { settings: Settings; register: boolean },
): Promise<BundleOutcome> {
  const dirs = typeof model.data === 'string' ? [model.data] : model.data;
  // Image ids are paths inside their folder and unique across folders, so one skipped list serves all.
  const prints = [];
  for (const dir of dirs) prints.push(await dataFingerprint(dir, { skipped: model.skipped ?? [] }));
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
    const folders = prints.map((p) => ({ ...p, ingested: ingestedVersion(store, p.version) }));
    const data = dataRecord(folders);
    const parent = store === undefined ? undefined : productionVersion(store)?.id;
    const manifest = await writeTrainedBundle(dir, {
      headFile: model.headFile,
      embedders: model.embedders,
      tta: model.tta,
      ...(model.preprocess ? { preprocess: model.preprocess } : {}),
      ...(model.exits ? { exits: model.exits } : {}),
      ...(model.base ? { base: model.base } : {}),
      metrics: bundleMetrics(model.metrics ? { ...model.head, metrics: { ...model.metrics } } : model.head, {
        data: data.metrics,
      }),
      dataVersion: data.version,
      ...(parent === undefined ? {} : { parent }),
    });
    const ingested = folders.every((f) => f.ingested);
    if (!options.register || registry === undefined) return { manifest, ingested };
    const { version } = await registerBundle(dir, registry);
    return { manifest, ingested, registeredAt: version.dir };
  } finally {
    store?.close();
  }
}

/**
 * The cascade `--base production` names: the registry's production version under data_dir, else
 * the default cascade, which serve runs when nothing was promoted.
 */
function productionCascade(settings: Settings): string {
  const file = storeFile(dataPath(settings.data_dir));
  if (!existsSync(file)) return DEFAULT_CASCADE_FILE;
  const store = openStore(file, { readonly: true });
  try {
    return productionVersion(store)?.dir ?? DEFAULT_CASCADE_FILE;
  } finally {
    store.close();
  }
}

/** `--base`, `--base-stage` and `--base-or-alone` as given to train. */
export interface BaseFlags {
  readonly base?: string;
  readonly stage?: string;
  readonly orAlone: boolean;
  /** Heads the run trains (`--ensemble`: one per seed of the views); default 1. */
  readonly heads?: number;
  /** `--base-heads FIRST-LAST`: the stage's heads they replace (from 1); default all. */
  readonly range?: { readonly first: number; readonly last: number };
}

/** `--base-heads FIRST-LAST` or `--base-heads N` (from 1; LAST may pass the stage's last head). */
export function parseBaseHeads(value: unknown): BaseFlags['range'] {
  if (value === undefined) return undefined;
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(String(value));
  const [first, last] = [Number(m?.[1]), Number(m?.[2] ?? m?.[1])];
  if (m === null || first < 1 || last < first)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --base-heads: ${String(value)}; give the stage's heads to replace, counted from 1, as FIRST-LAST or N (e.g. 6-10)`,
    );
  return { first, last };
}

/** What the run's heads do to the base stage's, as the train log says it. */
function baseText(plan: BasePlan, count: number): string {
  const trained = count > 1 ? `the ${count} trained heads` : 'the trained head';
  const { from, to } = plan.replace;
  const s = count > 1 ? '' : 's';
  const what =
    from === 0 && to === plan.heads
      ? `replace${s} stage ${plan.stage}'s head${plan.heads > 1 ? 's' : ''}`
      : from === to
        ? `join${s} stage ${plan.stage}'s ${plan.heads} head${plan.heads > 1 ? 's' : ''}, after them`
        : `replace${s} head${to - from > 1 ? `s ${from + 1}-${to}` : ` ${from + 1}`} of stage ${plan.stage}'s ${plan.heads}`;
  return `Base cascade ${plan.file}: ${trained} ${what}; the rest serves as it was`;
}

/**
 * Reads `--base` (a cascade file, a bundle folder, or `production`) and picks the stage the head will
 * replace, before any training. With `orAlone`, a base the head does not fit is reported on `log`
 * and the head is bundled alone (undefined); without it that is ERR_BASE_CASCADE.
 */
export async function planBase(
  flags: BaseFlags,
  trained: TrainedServing,
  settings: Settings,
  log: (line: string) => void,
): Promise<BasePlan | undefined> {
  if (flags.base === undefined) {
    if (flags.stage === undefined && flags.range === undefined && !flags.orAlone) return undefined;
    const flag =
      flags.stage !== undefined ? '--base-stage' : flags.range ? '--base-heads' : '--base-or-alone';
    throw new RoadworkError('ERR_CONFIG_INVALID', `Invalid ${flag}: no --base; give --base CASCADE too`);
  }
  const path = flags.base === 'production' ? productionCascade(settings) : flags.base;
  try {
    const plan = await planBaseCascade(path, trained, {
      ...(flags.stage === undefined ? {} : { stage: flags.stage }),
      ...(flags.range === undefined ? {} : { heads: flags.range }),
    });
    const count = flags.heads ?? 1;
    log(baseText(plan, count));
    if (flags.range === undefined && plan.heads > 1 && count < plan.heads)
      log(
        `note: stage ${plan.stage} serves ${plan.heads} heads as one ensemble; this run trains ${count}, which take${count === 1 ? 's' : ''} the place of all ${plan.heads} (train one per seed of the views with --view-seeds and --ensemble, e.g. --view-seeds s2,s3 --ensemble; or replace some of them with --base-heads)`,
      );
    return plan;
  } catch (e) {
    if (!flags.orAlone || !isRoadworkError(e, 'ERR_BASE_CASCADE')) throw e;
    log(`Bundling the head alone (a one-stage cascade): ${e.message}`);
    return undefined;
  }
}
