// The web app as the settings describe it: the query log's place, `ui.*`, and how the dashboard reads
// the miner's metrics (its registry in-process, or a scrape of its /metrics from `roadwork ui`).
import type { Logger } from 'pino';
import { settingsEnvironment, type Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { expandHome } from '../../core/files/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import { queryImagesDir } from '../../lifecycle/querylog/index.js';
import { createWebApp, type WebApp } from './_app.js';

/** `roadwork ui`'s port when `ui.port` is 0 (the axon's default is 8091). */
export const UI_DEFAULT_PORT = 8092;

/** Builds the web app on `store` from the settings; `metrics` gives the miner's Prometheus text. */
export function webAppFor(
  settings: Settings,
  deps: { readonly store: AsyncStore; readonly metrics: () => Promise<string>; readonly logger: Logger },
): WebApp {
  const dataDir = expandHome(settings.data_dir);
  return createWebApp(
    {
      store: deps.store,
      imagesDir: queryImagesDir({ dataDir, storeUrl: settings['store.url'] }),
      dataDir,
      metrics: deps.metrics,
      logger: deps.logger,
    },
    {
      token: settings['ui.token'],
      retrainArgs: settings['ui.retrain_args'],
      childSettings: settingsEnvironment(settings),
    },
  );
}

/** The /metrics `roadwork ui` scrapes: `ui.metrics_url`, else the local axon's. */
export function metricsUrlFor(settings: Settings): string {
  return settings['ui.metrics_url'] || `http://127.0.0.1:${settings['axon.port']}/metrics`;
}

/** Reads a running miner's /metrics (with `metrics.token` when set), failing with what to fix. */
export function scrapeMetrics(url: string, token: string, timeoutMs = 5000): () => Promise<string> {
  return async () => {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: token === '' ? {} : { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new RoadworkError(
        'ERR_UI_METRICS',
        `The miner's metrics cannot be read: ${url} (${(err as Error).message}); start roadwork serve, or set ui.metrics_url.`,
        { cause: err },
      );
    }
    if (!res.ok)
      throw new RoadworkError(
        'ERR_UI_METRICS',
        `The miner's metrics answered HTTP ${res.status}: ${url}; set metrics.token if it asks for one.`,
      );
    return res.text();
  };
}
