/** The composition root: turns settings into a running miner. The only place real parts are chosen. */
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { announceAtStart } from './_announce.js';
import type { AnsweredHook, Axon } from '../../wire/axon/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import {
  liveMetagraph,
  resolveEndpoint,
  staticMetagraph,
  type ProviderFactory,
} from '../../wire/chain/index.js';
import type { MetagraphSource } from '../../wire/chain/types.js';
import { systemClock, type Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { createImageDecoder, type ImageDecoder } from '../../inference/image/index.js';
import {
  createCache,
  perceptualHash,
  type CacheKind,
  type PredictionCache,
} from '../../inference/cache/index.js';
import {
  createCascadePredictor,
  defaultCascadeConfig,
  loadCascadeConfig,
  switchingPredictor,
  type CascadeConfig,
} from '../../inference/cascade/index.js';
import { createMetrics, type Metrics } from '../../core/metrics/index.js';
import type { Predictor } from '../../inference/cascade/types.js';
import type { RuntimeContext } from '../../inference/runtimes/types.js';
import { autoWorkers } from '../../inference/runtimes/index.js';
import { MANIFEST_FILE, verifyBundle } from '../../lifecycle/registry/index.js';
import { hotkeyFromSecret, loadHotkey, type Signer } from '../../wire/wallet/index.js';
import { PoolHealth } from '../../inference/workers/index.js';
import { expandHome } from '../../core/files/index.js';
import { checkPortFree, listenError } from '../../core/net/index.js';
import { watchModelAge } from './_model-age.js';
import { buildServing, checkFollowSettings, followProduction, servingState } from './_follow.js';
import { servedIdentities } from './_hotkeys.js';
import { buildAxons, type ServedAxon } from './_axons.js';

export type { ServedAxon } from './_axons.js';

export { bundleManifestBeside, servedAge, servedModel, type ServedModel } from './_model-age.js';
export { currentProduction, type ProductionCascade } from './_follow.js';
import { queryLogFor, type MinerQueryLog } from './_querylog.js';
import { minerUiFor } from './_ui.js';
import { UI_LISTENER } from '../web/index.js';

export { queryLogPlace, retentionFor } from './_querylog.js';

/** The bundled baseline model (resolves from `src/app/miner` and from `dist/app` alike). */
export const DEFAULT_MODEL = fileURLToPath(new URL('../../../models/baseline/model.onnx', import.meta.url));

/** A miner: its parts and its lifecycle. */
export interface Miner {
  /** The main hotkey (`wallet.*`); `served[0].signer`. */
  readonly signer: Signer;
  /** The main hotkey's axon (`axon.port`); `served[0].axon`. */
  readonly axon: Axon;
  /** Every served hotkey with its axon: the main one, then each of `miner.hotkeys`, in order. */
  readonly served: readonly ServedAxon[];
  readonly metagraph: MetagraphSource;
  readonly predictor: Predictor;
  readonly metrics: Metrics;
  /** The query log (`querylog.enabled`), unless a caller's own `onAnswered` replaced it. */
  readonly queryLog?: MinerQueryLog;
  /** Loads the metagraph and models, then listens on every port; resolves with the main axon's address. */
  start(): Promise<AddressInfo>;
  /** The web app's port once started (`ui.port` > 0), else undefined. */
  uiPort(): number | undefined;
  /** Graceful shutdown: stop accepting, finish in-flight requests, close models and chain. */
  stop(): Promise<void>;
}

/** Parts a caller may supply instead of the defaults (tests, local mode). */
export interface MinerOverrides {
  readonly signer?: Signer;
  readonly clock?: Clock;
  readonly metagraph?: MetagraphSource;
  readonly predictor?: Predictor;
  readonly metrics?: Metrics;
  /** The chain connection for publishing the axon at start (tests replay recordings). */
  readonly providerFactory?: ProviderFactory;
  /** Receives each answered request after its answer is written (the query log); see `AxonDeps.onAnswered`. */
  readonly onAnswered?: AnsweredHook;
}

/** Loads the hotkey the settings name: the secret from the environment if set, else the wallet file. */
export function loadSigner(settings: Settings): Promise<Signer> | Signer {
  if (settings['wallet.secret'] !== '') return hotkeyFromSecret(settings['wallet.secret']);
  return loadHotkey({
    path: expandHome(settings['wallet.path']),
    name: settings['wallet.name'],
    hotkey: settings['wallet.hotkey'],
  });
}

/** Builds a miner from settings. Nothing starts until `start()`. */
export async function buildMiner(
  settings: Settings,
  logger: Logger,
  overrides: MinerOverrides = {},
): Promise<Miner> {
  const clock = overrides.clock ?? systemClock();
  const signer = overrides.signer ?? (await loadSigner(settings));
  const metrics = overrides.metrics ?? createMetrics();
  const metagraph = overrides.metagraph ?? buildMetagraphSource(settings, logger, clock);
  metrics.watchMetagraph(() => metagraph.status());
  checkFollowSettings(settings);
  const cache = overrides.predictor ? undefined : buildCache(settings, logger, metrics, clock);
  const build = async (config: CascadeConfig): Promise<Predictor> =>
    buildCascade(config, settings, logger, metrics, clock, cache);
  // registry.follow: the production version, in a predictor that can switch to the next one.
  const following =
    overrides.predictor === undefined && settings['registry.follow']
      ? await servingState(settings, clock)
      : undefined;
  const switching = following && switchingPredictor(await buildServing(following, build, metrics));
  const predictor = overrides.predictor ?? switching ?? (await build(await cascadeConfigFor(settings)));
  const queryLog = overrides.onAnswered ? undefined : queryLogFor(settings, { logger, metrics, clock });
  const onAnswered = overrides.onAnswered ?? queryLog?.hook;
  const ui = minerUiFor(settings, { logger, metrics, ...(queryLog && { queryLog }) });
  let uiPort: number | undefined;
  // One axon per hotkey over the one predictor: the models (and their workers) and the cache load once.
  const served = buildAxons(settings, {
    identities: await servedIdentities(settings, signer),
    shared: {
      metagraph,
      predictor,
      decode: imageDecoderFor(settings),
      clock,
      logger,
      metrics,
      ...(onAnswered && { onAnswered }),
    },
  });
  const axon = served[0]!.axon;
  warnOpenDoors(settings, logger);
  let stopAgeWatch: (() => void) | undefined;
  let stopFollowing: (() => Promise<void>) | undefined;
  let started = false;
  let stopping = false;
  let loading: Promise<unknown> = Promise.resolve();
  let announcing: Promise<unknown> = Promise.resolve();
  return {
    signer,
    axon,
    served,
    metagraph,
    predictor,
    metrics,
    ...(queryLog && { queryLog }),
    uiPort: () => uiPort,
    async start() {
      // A taken port fails now, not after minutes of model loading.
      for (const s of served) await checkPortFree(s.port, settings['axon.host']);
      if (settings['ui.port'] !== 0)
        await checkPortFree(settings['ui.port'], settings['ui.host'], UI_LISTENER);
      // Both settle before a failure is thrown, so `stop()` never closes a model that is still loading.
      const settled = Promise.allSettled([metagraph.start(), predictor.start(), queryLog?.start()]);
      loading = settled;
      const results = await settled;
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      // Stopped (Ctrl-C) while the models loaded: never start listening afterwards.
      if (stopping) throw new RoadworkError('ERR_SHUTTING_DOWN', 'The miner was stopped while it started');
      started = true;
      const addresses: AddressInfo[] = [];
      for (const s of served) {
        const host = settings['axon.host'];
        const address = await s.axon
          .listen(s.port, host)
          .catch((err: unknown) => Promise.reject(listenError(err, s.port, host)));
        addresses.push(address);
        logger.info(
          {
            hotkey: s.signer.ss58,
            address: `${address.address}:${address.port}`,
            model: predictor.status().modelVersion,
          },
          'Axon listening',
        );
      }
      stopAgeWatch = watchModelAge(settings, metrics, logger, clock);
      if (ui !== undefined) uiPort = await ui.start();
      if (switching && following)
        stopFollowing = followProduction({
          settings,
          predictor: switching,
          build,
          metrics,
          logger,
          clock,
          serving: following,
        });
      // In the background: the chain can take seconds, and serving must not wait for it.
      announcing = Promise.all(
        served.map((s, i) =>
          announceAtStart(settings, s.signer, addresses[i]!.port, logger, {
            providerFactory: overrides.providerFactory,
            externalPort: s.externalPort,
          }),
        ),
      );
      return addresses[0]!;
    },
    async stop() {
      stopping = true;
      // A start still loading finishes first (it then refuses to listen), so nothing is closed mid-load.
      await loading;
      stopAgeWatch?.();
      await ui?.stop();
      await stopFollowing?.();
      if (started) await Promise.all(served.map((s) => s.axon.close()));
      await announcing;
      // The last answers' hooks run on the turn after their response: let them queue before the flush.
      await new Promise((resolve) => setImmediate(resolve));
      await queryLog?.stop();
      await Promise.allSettled([predictor.close(), metagraph.close(), cache?.close()]);
      logger.info('Miner stopped');
    },
  };
}

/** The image decoder the settings describe (the axon's; `eval --offline` decodes the same way). */
export function imageDecoderFor(settings: Settings): ImageDecoder {
  return createImageDecoder({
    maxBase64Chars: settings['limits.max_body_bytes'],
    maxPixels: settings['limits.max_pixels'],
    timeoutMs: settings['limits.decode_timeout_ms'],
    maxScans: settings['limits.max_jpeg_scans'],
    maxLargeDecodes: settings['limits.max_large_decodes'],
  });
}

/** The cascade config the settings name: `cascade.config`, else the default (on `model.path` when set). */
export async function cascadeConfigFor(settings: Settings): Promise<CascadeConfig> {
  const file = settings['cascade.config'];
  if (file === '') return defaultCascadeConfig({ modelPath: settings['model.path'] });
  const path = expandHome(file);
  // A config inside a model bundle is served only when every file of the bundle matches its checksum.
  if (existsSync(join(dirname(path), MANIFEST_FILE))) await verifyBundle(dirname(path));
  return loadCascadeConfig(path);
}

/** What model runtimes get from the settings (cache folder, offline mode, device, workers, hub). */
export function runtimeContextFor(settings: Settings, logger: Logger): RuntimeContext {
  return {
    cacheDir: expandHome(settings['models.cache_dir'] || join(settings.data_dir, 'models')),
    offline: settings['models.offline'],
    device: settings['model.device'] as 'cpu' | 'cuda',
    workers: autoWorkers(settings['model.workers'], { device: settings['model.device'] as 'cpu' | 'cuda' }),
    intraOpThreads: settings['model.intra_op_threads'],
    logger,
    hubUrl: settings['models.hub_url'],
    hubToken: settings['models.hub_token'] || undefined,
    pools: new PoolHealth(),
  };
}

async function buildCascade(
  config: CascadeConfig,
  settings: Settings,
  logger: Logger,
  metrics: Metrics,
  clock: Clock,
  cache: PredictionCache | undefined,
): Promise<Predictor> {
  const runtime = runtimeContextFor(settings, logger);
  const pools = runtime.pools;
  if (pools !== undefined) metrics.watchPools(() => pools.list());
  return createCascadePredictor(config, {
    runtime,
    logger,
    clock,
    metrics,
    ...(cache === undefined ? {} : { cache, hash: perceptualHash }),
  });
}

function buildCache(
  settings: Settings,
  logger: Logger,
  metrics: Metrics,
  clock: Clock,
): PredictionCache | undefined {
  if (settings['cache.kind'] === 'none') return undefined;
  return createCache(
    {
      kind: settings['cache.kind'] as CacheKind,
      size: settings['cache.size'],
      ttlS: settings['cache.ttl_s'],
      redisUrl: settings['cache.redis_url'],
      commandTimeoutMs: settings['cache.redis_timeout_ms'],
      // The cascade version is in every key, so miners on one Redis never mix models.
      namespace: 'roadwork',
    },
    { logger, metrics, clock },
  );
}

function buildMetagraphSource(settings: Settings, logger: Logger, clock: Clock): MetagraphSource {
  if (settings['metagraph.file'] !== '') return staticMetagraph(settings['metagraph.file'], { clock });
  return liveMetagraph({
    endpoint: resolveEndpoint(settings['subtensor.chain_endpoint'] || settings['subtensor.network']),
    netuid: settings.netuid,
    refreshMs: settings['metagraph.refresh_s'] * 1000,
    staleAfterMs: settings['metagraph.stale_after_s'] * 1000,
    cacheFile: join(
      expandHome(settings.data_dir),
      `metagraph-${settings['subtensor.network']}-${settings.netuid}.json`,
    ),
    clock,
    logger,
  });
}

/** The reference miner warns when its blacklist lets non-validators in; so does this one. */
function warnOpenDoors(settings: Settings, logger: Logger): void {
  if (settings['blacklist.allow_non_registered'])
    logger.warn(
      'blacklist.allow_non_registered is on: hotkeys outside the metagraph are answered, so anyone can make this miner work. Turn it off on mainnet.',
    );
  if (!settings['blacklist.force_validator_permit'])
    logger.warn(
      'blacklist.force_validator_permit is off: registered neurons without a validator permit are answered. Turn it on on mainnet.',
    );
}
