/** Default subtensor websocket endpoints by network name. */
import { RoadworkError } from '../../core/errors/index.js';

/** The endpoint each known network name stands for. */
export const CHAIN_ENDPOINTS = Object.freeze({
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const);

/** A network name known to {@link CHAIN_ENDPOINTS}. */
export type ChainNetwork = keyof typeof CHAIN_ENDPOINTS;

/** The endpoint for a network name, or the given `ws://`/`wss://` URL as it is. */
export function resolveEndpoint(networkOrUrl: string): string {
  if (Object.hasOwn(CHAIN_ENDPOINTS, networkOrUrl)) return CHAIN_ENDPOINTS[networkOrUrl as ChainNetwork];
  if (/^wss?:\/\/\S+$/.test(networkOrUrl)) return networkOrUrl;
  throw new RoadworkError(
    'ERR_CONFIG_INVALID',
    `Unknown subtensor network or endpoint: "${networkOrUrl}". ` +
      `Use one of ${Object.keys(CHAIN_ENDPOINTS).join(', ')} or a ws:// or wss:// URL.`,
  );
}
