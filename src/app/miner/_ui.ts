// `serve --ui.port N`: the web app inside the miner, on the query log's own store and the miner's own
// metrics registry. A UI that cannot start is an error at start (the operator asked for it).
import type { Logger } from 'pino';
import type { Settings } from '../../core/config/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import { openQueryStore } from '../../lifecycle/querylog/index.js';
import { checkUiBinding, webAppFor, type WebApp } from '../web/index.js';
import { queryLogPlace, type MinerQueryLog } from './_querylog.js';

/** The web app as the miner runs it. */
export interface MinerUi {
  /** Resolves with the bound port. */
  start(): Promise<number>;
  stop(): Promise<void>;
}

/** The web app the settings ask for (`ui.port` > 0), or undefined; refuses an unsafe binding now. */
export function minerUiFor(
  settings: Settings,
  deps: { readonly logger: Logger; readonly metrics: Metrics; readonly queryLog?: MinerQueryLog },
): MinerUi | undefined {
  if (settings['ui.port'] === 0) return undefined;
  checkUiBinding(settings['ui.host'], settings['ui.token']);
  let app: WebApp | undefined;
  let own: AsyncStore | undefined;
  return {
    async start() {
      // The query log's store when it is on; the UI still labels and exports with logging off.
      const store = deps.queryLog?.store() ?? (own = await openQueryStore(queryLogPlace(settings)));
      app = webAppFor(settings, {
        store,
        metrics: () => deps.metrics.registry.metrics(),
        logger: deps.logger,
      });
      return (await app.listen(settings['ui.port'], settings['ui.host'])).port;
    },
    async stop() {
      await app?.close();
      await own?.close();
    },
  };
}
