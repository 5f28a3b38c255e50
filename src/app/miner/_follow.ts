// `registry.follow`: serve the registry's production version (and its canary, when one runs), and
// switch while serving when either changes: the new predictor loads beside the old, takes new requests
// once warm, and the old closes after its last answer, so no request fails across the switch.
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { dataPath } from '../../core/files/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import { openStore, storeFile, type Store } from '../../core/store/index.js';
import { perceptualHash } from '../../inference/cache/index.js';
import {
  canaryPredictor,
  hashShare,
  loadCascadeConfig,
  type CascadeConfig,
  type Predictor,
  type SwitchingPredictor,
} from '../../inference/cascade/index.js';
import {
  cascadeFileOf,
  currentCanary,
  ensureProduction,
  getVersion,
  productionVersion,
  verifyBundle,
} from '../../lifecycle/registry/index.js';

/** The production version and its cascade, checked against its manifest. */
export interface ProductionCascade {
  readonly id: string;
  readonly config: CascadeConfig;
}

/** What the miner serves under `registry.follow`. */
export interface ServingState {
  readonly production: ProductionCascade;
  readonly canary?: ProductionCascade & { readonly share: number };
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

async function cascadeOf(store: Store, id: string): Promise<ProductionCascade> {
  const version = getVersion(store, id);
  await verifyBundle(version.dir);
  return { id: version.id, config: await loadCascadeConfig(cascadeFileOf(version)) };
}

/** The key of what is served: production, and the canary (with its share) unless it is production already. */
function servingKey(production: string, canary?: { readonly id: string; readonly share: number }): string {
  return canary === undefined || canary.id === production
    ? production
    : `${production}+${canary.id}@${canary.share}`;
}

/** The key of what the store names, or undefined before any production. */
function stateKey(store: Store): string | undefined {
  const production = productionVersion(store)?.id;
  if (production === undefined) return undefined;
  const canary = currentCanary(store);
  return servingKey(production, canary && { id: canary.version, share: canary.share });
}

async function stateOf(store: Store): Promise<ServingState> {
  const production = await cascadeOf(store, productionVersion(store)!.id);
  const canary = currentCanary(store);
  if (canary === undefined || canary.version === production.id) return { production };
  return { production, canary: { ...(await cascadeOf(store, canary.version)), share: canary.share } };
}

/** A state's key, as `stateKey` computes it from the store. */
function keyOf(state: ServingState): string {
  return servingKey(state.production.id, state.canary);
}

/**
 * What to serve at start. The store is created and seeded with the bundled starter when it has no
 * production yet (`ensureProduction`), as `roadwork models` would.
 */
export async function servingState(settings: Settings, clock: Clock): Promise<ServingState> {
  const store = openStore(storeFile(dataPath(settings.data_dir)));
  try {
    await ensureProduction({ store, bundlesDir: dataPath(settings.data_dir, 'bundles'), clock });
    return await stateOf(store);
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
    return version === undefined ? undefined : await cascadeOf(store, version.id);
  } finally {
    store.close();
  }
}

/**
 * Builds the predictor for a state: production's cascade, or production and the canary's behind a
 * split by perceptual hash (a repeated image always meets the same version), counting each version's
 * answers in `roadwork_canary_answers_total`.
 */
export async function buildServing(
  state: ServingState,
  build: (config: CascadeConfig) => Promise<Predictor>,
  metrics: Metrics,
): Promise<Predictor> {
  const primary = await build(state.production.config);
  const canary = state.canary;
  if (canary === undefined) return primary;
  const ids = { primary: state.production.id, candidate: canary.id };
  return canaryPredictor({
    primary,
    candidate: await build(canary.config),
    share: canary.share,
    key: (image) => hashShare(perceptualHash(image)),
    onAnswer: (arm, prediction) => {
      const exit = prediction.stages?.find((s) => (s as { exit?: string }).exit !== undefined);
      metrics.canaryAnswers.inc({
        version: ids[arm],
        arm,
        class: prediction.probability > 0.5 ? 'positive' : 'negative',
        exit: exit?.stage ?? 'none',
      });
    },
  });
}

/** What `followProduction` needs. */
export interface FollowDeps {
  readonly settings: Settings;
  readonly predictor: SwitchingPredictor;
  /** Builds (does not start) a predictor for a cascade. */
  readonly build: (config: CascadeConfig) => Promise<Predictor>;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly clock: Clock;
  /** What is served at start. */
  readonly serving: ServingState;
}

/**
 * Checks production and the canary every `registry.poll_s` and swaps when either changed. A state that
 * fails to load is logged and not tried again until the registry changes. Returns a stop function that
 * also waits for a switch in progress.
 */
export function followProduction(deps: FollowDeps): () => Promise<void> {
  let serving = keyOf(deps.serving);
  let failed: string | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const check = async (): Promise<void> => {
    const store = openStore(storeFile(dataPath(deps.settings.data_dir)), { readonly: true });
    try {
      const key = stateKey(store);
      if (key === undefined || key === serving || key === failed || stopped) return;
      const log = deps.logger.child({ from: serving, to: key });
      log.info('The registry changed: loading what it names beside what is serving');
      try {
        const state = await stateOf(store);
        const started = deps.clock.nowMs();
        await deps.predictor.swap(await buildServing(state, deps.build, deps.metrics));
        serving = keyOf(state);
        failed = undefined;
        log.info({ ms: deps.clock.nowMs() - started }, 'Now serving what the registry names');
      } catch (err) {
        failed = key;
        log.error({ err }, 'What the registry names did not load; still serving the previous models');
      }
    } finally {
      store.close();
    }
  };
  const timer = setInterval(() => {
    // One check at a time: a slow model load never overlaps the next poll.
    running = running.then(check).catch((err: unknown) => {
      deps.logger.warn({ err }, 'Could not read production and the canary from the registry');
    });
  }, deps.settings['registry.poll_s'] * 1000);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}
