// `registry.follow`: serve the registry's production version, and switch to the next one promoted (or
// rolled back to) while serving: the new cascade loads beside the old, takes new requests, and the old
// closes after its last answer, so no request fails across the switch.
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { dataPath } from '../../core/files/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import {
  loadCascadeConfig,
  type CascadeConfig,
  type Predictor,
  type SwitchingPredictor,
} from '../../inference/cascade/index.js';
import {
  cascadeFileOf,
  ensureProduction,
  productionVersion,
  verifyBundle,
} from '../../lifecycle/registry/index.js';

/** The production version and its cascade, checked against its manifest. */
export interface ProductionCascade {
  readonly id: string;
  readonly config: CascadeConfig;
}

/** Refuses `registry.follow` beside `cascade.config`: one would silently win. */
export function checkFollowSettings(settings: Settings): void {
  if (settings['registry.follow'] && settings['cascade.config'] !== '') {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `registry.follow serves the registry's production version; cascade.config (${settings['cascade.config']}) names another. Set one of them.`,
    );
  }
}

/**
 * The production version's cascade. The store is created and seeded with the bundled starter when it
 * has no production yet (`ensureProduction`), as `roadwork models` would.
 */
export async function productionCascade(settings: Settings, clock: Clock): Promise<ProductionCascade> {
  const store = openStore(storeFile(dataPath(settings.data_dir)));
  try {
    await ensureProduction({ store, bundlesDir: dataPath(settings.data_dir, 'bundles'), clock });
    const version = productionVersion(store)!;
    await verifyBundle(version.dir);
    return { id: version.id, config: await loadCascadeConfig(cascadeFileOf(version)) };
  } finally {
    store.close();
  }
}

/**
 * The production version's cascade read-only, for checks that must not create the data folder (`doctor`):
 * undefined when there is no store or no production yet (the miner would seed the starter).
 */
export async function currentProduction(settings: Settings): Promise<ProductionCascade | undefined> {
  const file = storeFile(dataPath(settings.data_dir));
  if (!existsSync(file)) return undefined;
  const store = openStore(file, { readonly: true });
  try {
    const version = productionVersion(store);
    if (version === undefined) return undefined;
    await verifyBundle(version.dir);
    return { id: version.id, config: await loadCascadeConfig(cascadeFileOf(version)) };
  } finally {
    store.close();
  }
}

/** What `followProduction` needs. */
export interface FollowDeps {
  readonly settings: Settings;
  readonly predictor: SwitchingPredictor;
  /** Builds (does not start) a predictor for a cascade. */
  readonly build: (config: CascadeConfig) => Promise<Predictor>;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The version served at start. */
  readonly serving: string;
}

/**
 * Checks the production version every `registry.poll_s` and swaps to it when it changed. A version that
 * fails to load is logged and not tried again until production changes. Returns a stop function that
 * also waits for a switch in progress.
 */
export function followProduction(deps: FollowDeps): () => Promise<void> {
  let serving = deps.serving;
  let failed: string | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const check = async (): Promise<void> => {
    const store = openStore(storeFile(dataPath(deps.settings.data_dir)), { readonly: true });
    let id: string | undefined;
    try {
      id = productionVersion(store)?.id;
    } finally {
      store.close();
    }
    if (id === undefined || id === serving || id === failed || stopped) return;
    const log = deps.logger.child({ from: serving, to: id });
    log.info('Production changed: loading the new version beside the one serving');
    try {
      const next = await productionCascade(deps.settings, deps.clock);
      const started = deps.clock.nowMs();
      await deps.predictor.swap(await deps.build(next.config));
      serving = next.id;
      failed = undefined;
      log.info({ ms: deps.clock.nowMs() - started }, 'Now serving the production version');
    } catch (err) {
      failed = id;
      log.error({ err }, 'The new production version did not load; still serving the previous one');
    }
  };
  const timer = setInterval(() => {
    // One check at a time: a slow model load never overlaps the next poll.
    running = running.then(check).catch((err: unknown) => {
      deps.logger.warn({ err }, 'Could not read the production version from the registry');
    });
  }, deps.settings['registry.poll_s'] * 1000);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
