// The bundled starter as a registry version, so production always names what serve would run.
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RoadworkError } from '../../core/errors/index.js';
import { DEFAULT_CASCADE_FILE } from '../../inference/cascade/index.js';
import { createBundle } from './_bundle.js';
import {
  productionVersion,
  recordPromotion,
  registerBundle,
  type ModelVersion,
  type RegistryDeps,
} from './_registry.js';

/** Options of `ensureProduction`. */
export interface EnsureProductionOptions {
  /** The cascade served when nothing was promoted; default the starter's (`models/starter/cascade.yaml`). */
  readonly cascadeFile?: string;
}

interface Estimate {
  readonly value?: number;
}

/** The headline numbers of a head file's `metrics.overall`, as trained bundles carry them. */
export async function headline(headFile: string): Promise<Record<string, unknown>> {
  const head = JSON.parse(await readFile(headFile, 'utf8')) as {
    metrics?: { overall?: { mcc?: Estimate; accuracy?: Estimate; auc?: Estimate } };
  };
  const o = head.metrics?.overall ?? {};
  return Object.fromEntries(
    (['mcc', 'accuracy', 'auc'] as const).flatMap((k) =>
      typeof o[k]?.value === 'number' ? [[k, o[k].value]] : [],
    ),
  );
}

/** The file beside a default cascade that holds its measured numbers (the starter's stages). */
const STARTER_METRICS_FILE = 'metrics.json';

/**
 * The numbers a default cascade is registered with: its `metrics.json` when it has one (what its
 * stages measured: a stage of many heads scores its mean, not its first head), else `head.json`'s
 * headline, else none.
 */
async function starterMetrics(folder: string, names: readonly string[]): Promise<Record<string, unknown>> {
  if (names.includes(STARTER_METRICS_FILE)) {
    const file = join(folder, STARTER_METRICS_FILE);
    const parsed = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as unknown)
      .catch(() => undefined);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Invalid ${file}: not a JSON object of the cascade's numbers`,
      );
    return parsed as Record<string, unknown>;
  }
  return names.includes('head.json') ? headline(join(folder, 'head.json')) : {};
}

/**
 * When nothing was ever promoted, registers the default cascade (the bundled starter: its config
 * and every file beside it) as a version and makes it production, recorded as `starter` in the
 * history. Serve runs that cascade when no production is given, so this is the model a first
 * promotion has to beat; without it the first promotion would pass ungated. Returns the version
 * it registered, or undefined when production already existed. The id is a hash of the content, so
 * every store seeded from the same release holds the same starter id.
 */
export async function ensureProduction(
  deps: RegistryDeps,
  options: EnsureProductionOptions = {},
): Promise<ModelVersion | undefined> {
  if (productionVersion(deps.store) !== undefined) return undefined;
  const cascadeFile = options.cascadeFile ?? DEFAULT_CASCADE_FILE;
  const folder = dirname(cascadeFile);
  const names = (await readdir(folder, { withFileTypes: true }))
    .filter((e) => e.isFile() && e.name !== basename(cascadeFile))
    .map((e) => e.name)
    .sort();
  const config = parseYaml(await readFile(cascadeFile, 'utf8')) as unknown;
  const staging = join(deps.bundlesDir, `.starter-${process.pid}`);
  try {
    await createBundle(staging, {
      files: Object.fromEntries(names.map((n) => [n, join(folder, n)])),
      config,
      metrics: {
        ...(await starterMetrics(folder, names)),
        source: `${basename(folder)} (the bundled default cascade)`,
      },
      clock: deps.clock,
    });
    const { version } = await registerBundle(staging, deps);
    deps.store.transaction(() => {
      // Another process may have promoted meanwhile: the starter is only ever the first production.
      if (productionVersion(deps.store) === undefined)
        recordPromotion(deps.store, version.id, deps.clock.nowMs(), {
          starter: true,
          forced: false,
          note: 'the bundled default cascade, which serve runs when nothing was promoted',
        });
    });
    return version;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
