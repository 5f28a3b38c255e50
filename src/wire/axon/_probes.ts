/** The GET side of the axon: `/health`, `/health/ready` (with why the miner is not listed) and `/metrics`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody, sendJson } from './_respond.js';
import type { ClientAddresses } from './_client-ip.js';
import type { ScrapePolicy } from './_scrape.js';
import type { AxonDeps, AxonOptions } from './_types.js';

/** Answers the probes; remembers the last listing problem so it is logged once per change. */
export class Probes {
  readonly #deps: AxonDeps;
  readonly #options: AxonOptions;
  readonly #scrape: ScrapePolicy;
  readonly #clients: ClientAddresses;
  #listedProblem: string | undefined;

  constructor(
    deps: AxonDeps,
    options: AxonOptions,
    access: { readonly scrape: ScrapePolicy; readonly clients: ClientAddresses },
  ) {
    this.#deps = deps;
    this.#options = options;
    this.#scrape = access.scrape;
    this.#clients = access.clients;
  }

  /** Answers a GET or HEAD to `path` (404 for anything but a probe). */
  async handle(path: string, req: IncomingMessage, res: ServerResponse, draining: boolean): Promise<void> {
    const deps = this.#deps;
    if (path === '/health' || path === '/healthz') {
      return sendJson(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok' });
    }
    if (path === '/health/ready' || path === '/ready') {
      const predictor = deps.predictor.status();
      const metagraph = deps.metagraph.status();
      const unlisted = this.notListed();
      const ready = !draining && predictor.ready && metagraph.loaded && unlisted === undefined;
      return sendJson(res, ready ? 200 : 503, {
        ready,
        draining,
        predictor,
        metagraph,
        ...(unlisted && { problem: unlisted }),
      });
    }
    if (path === '/metrics') {
      if (!this.#scrape.allows(req, this.#clients.of(req))) {
        return sendJson(
          res,
          403,
          errorBody(
            'ERR_METRICS_FORBIDDEN',
            'Metrics are served to metrics.allow_from addresses or with the metrics.token bearer token',
          ),
        );
      }
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      res.end(text);
      return;
    }
    sendJson(res, 404, errorBody('ERR_NOT_FOUND', `Not found: ${path.slice(0, 64)}`));
  }

  /**
   * Why validators cannot reach this miner through the metagraph it holds, if they cannot: another
   * subnet's metagraph, or one without this hotkey. Logged (warn) each time the reason changes.
   */
  notListed(): string | undefined {
    const { hotkey, logger } = this.#deps;
    const netuid = this.#options.netuid;
    const graph = this.#deps.metagraph.current();
    let problem: string | undefined;
    if (graph !== undefined && netuid !== undefined && graph.netuid !== netuid) {
      problem = `The metagraph is of subnet ${graph.netuid}, but this miner serves netuid ${netuid}: fix --netuid or the metagraph source.`;
    } else if (graph !== undefined && !graph.byHotkey.has(hotkey)) {
      problem = `This miner's hotkey ${hotkey} is not registered on subnet ${graph.netuid} (not in its metagraph at block ${graph.block}): validators will not send it challenges. Register it (btcli subnet register) or fix --wallet.name/--wallet.hotkey.`;
    }
    if (problem !== this.#listedProblem) {
      if (problem !== undefined) logger.warn({ hotkey }, `Not ready: ${problem}`);
      else if (this.#listedProblem !== undefined) logger.info('The miner is in the metagraph again: ready');
      this.#listedProblem = problem;
    }
    return problem;
  }
}
