// The miner's query log: opened at start, fed by the axon's onAnswered hook, pruned on a timer, and
// flushed and closed at stop. A store that cannot be opened never stops the miner from serving.
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import { redactUrl, type AsyncStore } from '../../core/store/index.js';
import type { AnsweredHook } from '../../wire/axon/index.js';
import {
  QueryLogWriter,
  openQueryStore,
  pruneQueries,
  queryImagesDir,
  queryStoreLocation,
  type QueryLogPlace,
  type RetentionLimits,
} from '../../lifecycle/querylog/index.js';
import { expandHome } from '../../core/files/index.js';

/** The query log as the miner runs it. */
export interface MinerQueryLog {
  /** The axon's `onAnswered`. */
  readonly hook: AnsweredHook;
  /** The writer once started (tests and stats read its counts). */
  writer(): QueryLogWriter | undefined;
  /** The store once started (the web app reads and labels through it); undefined if it could not open. */
  store(): AsyncStore | undefined;
  start(): Promise<void>;
  /** Writes what is queued, then closes the store. */
  stop(): Promise<void>;
}

/** Where the settings put the query log. */
export function queryLogPlace(settings: Settings): QueryLogPlace {
  return { storeUrl: settings['store.url'], dataDir: expandHome(settings.data_dir) };
}

/** The retention limits in the settings. */
export function retentionFor(settings: Settings): RetentionLimits {
  return {
    maxEntries: settings['querylog.max_entries'],
    maxAgeMs: settings['querylog.max_age_days'] * 86_400_000,
    maxBytes: settings['querylog.max_bytes'],
  };
}

/** The query log the settings ask for, or undefined when `querylog.enabled` is off. */
export function queryLogFor(
  settings: Settings,
  deps: { readonly logger: Logger; readonly metrics: Metrics; readonly clock: Clock },
): MinerQueryLog | undefined {
  if (!settings['querylog.enabled']) return undefined;
  const place = queryLogPlace(settings);
  const log = deps.logger.child({ component: 'querylog' });
  let store: AsyncStore | undefined;
  let writer: QueryLogWriter | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pruning: Promise<unknown> = Promise.resolve();
  const prune = (): void => {
    pruning = pruneQueries(store!, queryImagesDir(place), {
      ...retentionFor(settings),
      nowMs: deps.clock.nowMs(),
    })
      .then((r) => log.debug(r, 'Query log pruned'))
      .catch((err: unknown) => log.warn({ err }, 'The query log could not be pruned; it will try again'));
  };
  return {
    hook: (answered) => {
      if (writer !== undefined) writer.hook(answered);
      else deps.metrics.querylogDropped.inc({ reason: 'error' });
    },
    writer: () => writer,
    store: () => store,
    async start() {
      try {
        store = await openQueryStore(place);
      } catch (err) {
        log.error(
          { err, store: redactUrl(queryStoreLocation(place)) },
          'The query log store cannot be opened: serving without it (answers are counted in roadwork_querylog_dropped_total)',
        );
        return;
      }
      writer = new QueryLogWriter(store, {
        queueSize: settings['querylog.queue_size'],
        imagesDir: queryImagesDir(place),
        clock: deps.clock,
        logger: log,
        metrics: deps.metrics,
      });
      timer = setInterval(() => {
        // One prune at a time: a slow one is not stacked on.
        void pruning.then(prune);
      }, settings['querylog.prune_interval_s'] * 1000);
      timer.unref();
      log.info(
        { store: redactUrl(queryStoreLocation(place)), images: queryImagesDir(place) },
        'Query log on',
      );
    },
    async stop() {
      clearInterval(timer);
      await pruning;
      await writer?.close();
      await store?.close();
    },
  };
}
