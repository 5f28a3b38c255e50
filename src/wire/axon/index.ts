/**
 * The axon: a `node:http` server answering Bittensor synapses. Each request is routed (`_route.ts`);
 * probes go to `_probes.ts`, synapses through the steps of `_pipeline.ts`, cheapest first: blacklist,
 * parse and verify, admit, body, a stake-ordered slot, forward, respond. Connections are capped
 * before any of it (`_connections.ts`).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientAddresses } from './_client-ip.js';
import {
  capConnections,
  DEFAULT_MAX_CONNECTIONS,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
} from './_connections.js';
import { Exchange } from './_exchange.js';
import { SynapsePipeline } from './_pipeline.js';
import { Probes } from './_probes.js';
import { route } from './_route.js';
import { PRIVATE_NETWORKS, scrapePolicy } from './_scrape.js';
import type { Axon, AxonDeps, AxonOptions } from './_types.js';
import { clientErrorResponse } from './_client-error.js';

export { checkBlacklist, screenCaller, type BlacklistPolicy } from './_blacklist.js';
export { Admission } from './_admission.js';
export { Intake } from './_intake.js';
export { PRIVATE_NETWORKS, scrapePolicy, type ScrapePolicy } from './_scrape.js';
export { clientAddresses, type ClientAddresses } from './_client-ip.js';
export type { Axon, AxonDeps, AxonOptions } from './_types.js';
export type { AnsweredHook, AnsweredRequest, AnsweredValidator, AnswerTimings } from './_answered.js';

/** Builds the axon server (not yet listening). */
export function createAxon(deps: AxonDeps, options: AxonOptions): Axon {
  const pipeline = new SynapsePipeline(deps, options);
  deps.metrics.startHotkey(deps.hotkey);
  const clients = options.clients ?? clientAddresses([]);
  const probes = new Probes(deps, options, {
    scrape: options.scrape ?? scrapePolicy(PRIVATE_NETWORKS),
    clients,
  });
  let draining = false;
  let active = 0;
  let onIdle: (() => void) | undefined;

  function handle(req: IncomingMessage, res: ServerResponse, x: Exchange): Promise<void> {
    const to = route(req.method, req.url, draining);
    if (!to.ok) {
      pipeline.refuse(req, res, x, to.code, to.message);
      return Promise.resolve();
    }
    if (to.kind === 'probe') return probes.handle(to.path, req, res, draining);
    return pipeline.run(req, res, to.name, x);
  }

  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderBytes,
      requestTimeout: 30_000,
      headersTimeout: 10_000,
      keepAliveTimeout: 65_000,
      // Node checks the two timeouts above only this often (30 s by default): a slow-header connection
      // would otherwise live three times longer than configured.
      connectionsCheckingInterval: 1000,
    },
    (req, res) => {
      active++;
      res.once('close', () => {
        active--;
        if (active === 0) onIdle?.();
      });
      const x = new Exchange(
        req,
        deps.logger,
        performance.now(),
        deps.clock.nowMs(),
        clients.of(req)?.address,
      );
      handle(req, res, x).catch((err: unknown) => {
        deps.logger.error({ err }, 'Unhandled axon error');
        pipeline.refuse(req, res, x, 'ERR_INTERNAL', 'Internal error', { t0: performance.now() });
      });
    },
  );
  capConnections(
    server,
    {
      max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
      maxPerAddress: options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
      exempt: (peer) => clients.trusts(peer),
    },
    deps,
  );
  server.on('clientError', (err, socket) => {
    if (!socket.writable) return socket.destroy();
    socket.end(clientErrorResponse((err as { code?: string }).code));
  });

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          probes.notListed();
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(graceMs = 10_000) {
      draining = true;
      pipeline.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (active > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (onIdle = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
