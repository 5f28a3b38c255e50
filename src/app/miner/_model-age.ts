// The served model's age: its registry version, that version's latest publication, the metric and the
// warnings at 75, 80 and 85 days (in the log here; `doctor` and the dashboard read the same).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { expandHome } from '../../core/files/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import { openStore, storeFile, type Store } from '../../core/store/index.js';
import {
  judgeAge,
  lastPublication,
  modelAgeDays,
  type AgeVerdict,
  type Publication,
} from '../../lifecycle/publish/index.js';
import {
  MANIFEST_FILE,
  productionHistory,
  productionVersion,
  type BundleManifest,
} from '../../lifecycle/registry/index.js';

/** What the settings serve, as a registry version, and its latest publication. */
export interface ServedModel {
  /** The registry version id. */
  readonly version: string;
  readonly publication?: Publication;
}

/** The manifest of the bundle a cascade file sits in, or undefined outside a bundle. */
export function bundleManifestBeside(cascadeFile: string): BundleManifest | undefined {
  const manifest = join(dirname(expandHome(cascadeFile)), MANIFEST_FILE);
  if (!existsSync(manifest)) return undefined;
  return JSON.parse(readFileSync(manifest, 'utf8')) as BundleManifest;
}

function servedVersion(settings: Settings, store: Store): string | undefined {
  if (settings['registry.follow']) return productionVersion(store)?.id;
  if (settings['cascade.config'] !== '') return bundleManifestBeside(settings['cascade.config'])?.id;
  if (settings['model.path'] !== '') return undefined;
  // The bundled starter: the registry holds it as the first production version, marked `starter`.
  return productionHistory(store).find(
    (e) => e.action === 'promote' && (e.detail as { starter?: unknown }).starter === true,
  )?.version;
}

/**
 * The served registry version and its latest publication, read-only from `<data_dir>`'s store; undefined
 * when there is no store yet (a checker must not create the data folder) or the model is no registry version.
 */
export function servedModel(settings: Settings): ServedModel | undefined {
  const file = storeFile(expandHome(settings.data_dir));
  if (!existsSync(file)) return undefined;
  const store = openStore(file, { readonly: true });
  try {
    const version = servedVersion(settings, store);
    if (version === undefined) return undefined;
    const publication = lastPublication(store, version);
    return publication === undefined ? { version } : { version, publication };
  } finally {
    store.close();
  }
}

/** The age verdict of a served, published model at `nowMs`. */
export function servedAge(served: ServedModel | undefined, nowMs: number): AgeVerdict | undefined {
  return served?.publication === undefined
    ? undefined
    : judgeAge(modelAgeDays(served.publication.submissionTime, nowMs));
}

const RECHECK_MS = 6 * 3_600_000;

/**
 * Feeds `model_age_days` and warns in the log when the age first reaches each threshold (at start and
 * every 6 h, re-reading the store so a new `publish` counts without a restart). Returns a stop function.
 */
export function watchModelAge(
  settings: Settings,
  metrics: Metrics,
  logger: Logger,
  clock: Clock,
): () => void {
  let served: ServedModel | undefined;
  let warned: number | undefined;
  const check = (): void => {
    try {
      served = servedModel(settings);
    } catch (err) {
      logger.warn({ err }, 'Could not read the model registry for the model age');
      return;
    }
    const verdict = servedAge(served, clock.nowMs());
    if (verdict?.threshold !== undefined && verdict.threshold !== warned) {
      logger.warn({ version: served?.version, ageDays: Math.floor(verdict.days) }, verdict.message);
    }
    warned = verdict?.threshold;
  };
  metrics.watchModelAge(() => {
    const p = served?.publication;
    return served === undefined || p === undefined
      ? undefined
      : { version: served.version, days: modelAgeDays(p.submissionTime, clock.nowMs()) };
  });
  check();
  const timer = setInterval(check, RECHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
