// Publishing the axon at start, as the reference miner does: only with a live chain, only when the
// chain holds another ip/port, never fatal (a miner that cannot publish still serves and says why).
import type { Settings } from '../../core/config/index.js';
import { announceAxon, connectChain, resolveEndpoint, type ProviderFactory } from '../../wire/chain/index.js';
import type { Logger } from '../../core/log/index.js';
import type { Signer } from '../../wire/wallet/index.js';

/** What `announceAtStart` may be given instead of the real chain (tests replay recordings). */
export interface AnnounceDeps {
  readonly providerFactory?: ProviderFactory;
  /** The port to publish; 0 or absent = `axon.external_port`, else the bound port. */
  readonly externalPort?: number;
}

/**
 * Publishes `axon.external_ip` and `axon.external_port` (else `port`) when `axon.publish` is on and
 * the metagraph is live; logs what it did or why it did not. Resolves whatever happens.
 */
export async function announceAtStart(
  settings: Settings,
  signer: Signer,
  port: number,
  logger: Logger,
  deps: AnnounceDeps = {},
): Promise<void> {
  if (settings['metagraph.file'] !== '' || !settings['axon.publish']) return;
  const ip = settings['axon.external_ip'];
  const publicPort = deps.externalPort || settings['axon.external_port'] || port;
  if (ip === '') {
    logger.warn(
      "Not publishing the axon: axon.external_ip is empty. Validators dial what the chain holds: set axon.external_ip (AXON_EXTERNAL_IP) to this machine's public address, or run roadwork chain serve-axon --ip ADDRESS.",
    );
    return;
  }
  const endpoint = resolveEndpoint(settings['subtensor.chain_endpoint'] || settings['subtensor.network']);
  try {
    const api = await connectChain(endpoint, { timeoutMs: 30_000, providerFactory: deps.providerFactory });
    try {
      const done = await announceAxon(api, signer, { netuid: settings.netuid, ip, port: publicPort });
      const where = { hotkey: signer.ss58, netuid: settings.netuid, axon: `${ip}:${publicPort}` };
      if (done.outcome === 'unchanged') logger.info(where, 'The chain already holds this axon');
      else if (done.outcome === 'not-registered')
        logger.warn(where, 'Not publishing the axon: the hotkey is not registered on the subnet');
      else if (done.outcome === 'published')
        logger.info({ ...where, block: done.inclusion.blockHash }, 'Published the axon on chain');
    } finally {
      await api.disconnect().catch(() => undefined);
    }
  } catch (err) {
    logger.warn(
      { err: (err as Error).message, endpoint },
      'Could not publish the axon on chain; serving anyway. Run roadwork chain serve-axon to retry, or set axon.publish false.',
    );
  }
}
