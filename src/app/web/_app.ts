// The web app's server: node:http, the token check, the API routes and the page's files.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { RoadworkError } from '../../core/errors/index.js';
import { listenError, type Listener } from '../../core/net/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import { authorize, checkUiBinding, refuseForeign, tokenCookie } from './_auth.js';
import { sendError, sendJson } from './_http.js';
import { loadAssets, serveAsset } from './_static.js';
import { Dashboard } from './_dashboard.js';
import { RetrainRunner } from './_retrain.js';
import { HardCaseCache, ProjectionCache } from './_ranking.js';
import type { WebContext } from './_context.js';
import { exportRoute, image, label, restore, stats } from './_api.js';
import { listQueries, projection, similar } from './_mining.js';
import { dashboard, retrainEvents, retrainState, startRetrain } from './_ops.js';

/** What the app is built on. */
export interface WebDeps {
  /** The query log's store (the caller opens and closes it). */
  readonly store: AsyncStore;
  /** `<data_dir>/queries`. */
  readonly imagesDir: string;
  readonly dataDir: string;
  /** The miner's Prometheus text: its registry in-process, or a scrape of its /metrics. */
  readonly metrics: () => Promise<string>;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Options of `createWebApp`. */
export interface WebOptions {
  /** `ui.token`; empty: none (loopback only). */
  readonly token: string;
  /** `ui.retrain_args`. */
  readonly retrainArgs: readonly string[];
  /** Recorded as who gave each label. Default `ui`. */
  readonly operator?: string;
  /** How `roadwork` is started for a retrain (tests); default this package's CLI. */
  readonly roadwork?: readonly string[];
  /**
   * The settings the retrain child runs with, as environment variables (`settingsEnvironment`): the
   * query log's `store.url`, the models, devices and registry this app's process uses.
   */
  readonly childSettings?: Readonly<Record<string, string>>;
}

/** A web app, not yet listening. */
export interface WebApp {
  readonly server: Server;
  /** Listens on `host:port`; refuses a non-loopback host without a token (ERR_UI_UNSAFE_BIND). */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops a running retrain, closes connections and the listener (not the store). */
  close(): Promise<void>;
}

type Route = (ctx: WebContext, req: IncomingMessage, res: ServerResponse, url: URL) => unknown;

/** The web app, as its listen errors name it. */
export const UI_LISTENER: Listener = Object.freeze({
  name: 'Web app',
  portFlag: '--ui.port (ROADWORK_UI_PORT)',
  allHosts: '--ui.host 0.0.0.0 (ROADWORK_UI_HOST) and a ui.token',
  otherPort: 'give the web app another port with --ui.port (ROADWORK_UI_PORT)',
});

/** The API by method and path. */
const ROUTES: Readonly<Record<string, Route>> = Object.freeze({
  'GET /api/queries': (ctx, _req, res, url) => listQueries(ctx, url, res),
  'GET /api/stats': (ctx, _req, res) => stats(ctx, res),
  'GET /api/projection': (ctx, _req, res) => projection(ctx, res),
  'POST /api/label': (ctx, req, res) => label(ctx, req, res),
  'POST /api/restore': (ctx, req, res) => restore(ctx, req, res),
  'POST /api/export': (ctx, req, res) => exportRoute(ctx, req, res),
  'GET /api/dashboard': (ctx, _req, res) => dashboard(ctx, res),
  'GET /api/retrain': (ctx, _req, res) => retrainState(ctx, res),
  'POST /api/retrain': (ctx, _req, res) => startRetrain(ctx, res),
  'GET /api/retrain/events': (ctx, req, res) => retrainEvents(ctx, req, res),
});

/** Builds the app; assets are read now, so a broken install fails here rather than on first visit. */
export function createWebApp(deps: WebDeps, options: WebOptions): WebApp {
  const assets = loadAssets();
  const now = deps.now ?? Date.now;
  const ctx: WebContext = {
    store: deps.store,
    imagesDir: deps.imagesDir,
    dataDir: deps.dataDir,
    dashboard: new Dashboard(deps.metrics, now),
    hardCases: new HardCaseCache(deps.store),
    projection: new ProjectionCache(deps.store),
    retrain: new RetrainRunner(options.roadwork, options.childSettings),
    retrainArgs: options.retrainArgs,
    operator: options.operator ?? 'ui',
    logger: deps.logger.child({ component: 'web' }),
    now,
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://ui');
    refuseForeign(req, options.token);
    const auth = authorize(req, url, options.token);
    if (auth === 'refuse')
      throw new RoadworkError(
        'ERR_UI_UNAUTHORIZED',
        'This web app needs its token (ui.token): open it as /?token=<token> once.',
      );
    if (auth === 'set-cookie') {
      res.setHeader('set-cookie', tokenCookie(options.token));
      // The page again without the token in its address, so it stays out of history and logs.
      if (req.method === 'GET' && !url.pathname.startsWith('/api/')) {
        url.searchParams.delete('token');
        res.writeHead(303, { location: `${url.pathname}${url.search}` });
        return void res.end();
      }
    }
    const route = ROUTES[`${req.method} ${url.pathname}`];
    if (route !== undefined) return void (await route(ctx, req, res, url));
    if (req.method === 'GET' && url.pathname.startsWith('/api/similar/'))
      return similar(ctx, url.pathname.slice('/api/similar/'.length), url, res);
    if (req.method === 'GET' && url.pathname.startsWith('/api/image/'))
      return image(ctx, url.pathname.slice('/api/image/'.length), res);
    if (req.method === 'GET' && serveAsset(assets, url.pathname, req, res)) return;
    sendJson(res, 404, { code: 'ERR_NOT_FOUND', message: `Nothing at ${req.method} ${url.pathname}` });
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      ctx.logger.debug({ err, url: req.url }, 'Web request failed');
      sendError(res, err);
    });
  });
  return {
    server,
    async listen(port, host) {
      checkUiBinding(host, options.token);
      await new Promise<void>((resolve, reject) => {
        const failed = (err: unknown) => reject(listenError(err, port, host, UI_LISTENER));
        server.once('error', failed);
        server.listen(port, host, () => (server.off('error', failed), resolve()));
      });
      const address = server.address() as AddressInfo;
      ctx.logger.info({ url: `http://${host}:${address.port}/` }, 'Web app listening');
      return address;
    },
    async close() {
      await ctx.retrain.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
