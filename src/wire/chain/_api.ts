/** Connecting polkadot-js to subtensor and the runtime-API call that lists a subnet's neurons. */
import { ApiPromise } from '@polkadot/api';
import type { ApiDecoration, ApiOptions } from '@polkadot/api/types';
import { withTimeout } from '../../core/clock/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { decodeNeurons } from './_decode.js';
import { wsProvider } from './_ws.js';
import type { Neuron } from './types.js';

/** A polkadot-js transport (`WsProvider`, or a replay in tests). */
export type ChainProvider = NonNullable<ApiOptions['provider']>;

/** Builds the transport for an endpoint; tests inject a replay. */
export type ProviderFactory = (endpoint: string) => ChainProvider;

/** An `ApiPromise` plus the last transport error, for messages when it never becomes ready. */
export interface ChainConnection {
  readonly api: ApiPromise;
  /** The last provider or initialisation error, if any. */
  lastError(): string | undefined;
  /** Resolves with the api once it is ready; rejects with `ERR_CHAIN_UNREACHABLE` after `timeoutMs`. */
  ready(timeoutMs: number, signal?: AbortSignal): Promise<ApiPromise>;
}

/** Opens an api over `endpoint` without waiting for it; the transport keeps retrying in the background. */
export function openChain(endpoint: string, providerFactory: ProviderFactory = wsProvider): ChainConnection {
  const api = new ApiPromise({ provider: providerFactory(endpoint), noInitWarn: true });
  let lastError: string | undefined;
  // Connection failures arrive here while the websocket retries; keep the last one for the message.
  // The websocket reports them as an ErrorEvent, not an Error, with the reason in its `message` getter.
  api.on('error', (err: unknown) => {
    const message = (err as { message?: unknown } | null)?.message;
    lastError = typeof message === 'string' && message !== '' ? message : String(err);
  });
  api.isReadyOrError.catch(() => undefined);
  return {
    api,
    lastError: () => lastError,
    ready: (timeoutMs, signal) =>
      withTimeout(
        api.isReady,
        timeoutMs,
        () => {
          const why = lastError ? ` (last error: ${lastError})` : '';
          return new RoadworkError(
            'ERR_CHAIN_UNREACHABLE',
            `The subtensor endpoint did not become ready within ${timeoutMs} ms: ${endpoint}${why}. ` +
              'Check the network, or set subtensor.chain_endpoint.',
          );
        },
        signal,
      ),
  };
}

/** Connects and waits until ready; on timeout disconnects and throws `ERR_CHAIN_UNREACHABLE`. */
export async function connectChain(
  endpoint: string,
  options: { timeoutMs?: number; providerFactory?: ProviderFactory } = {},
): Promise<ApiPromise> {
  const connection = openChain(endpoint, options.providerFactory);
  try {
    return await connection.ready(options.timeoutMs ?? 30_000);
  } catch (err) {
    await connection.api.disconnect().catch(() => undefined);
    throw err;
  }
}

/** A runtime-API method by its polkadot-js names, or `ERR_CHAIN_DECODE` when the runtime lacks it. */
export function runtimeCall(
  api: Pick<ApiPromise, 'call'>,
  section: string,
  method: string,
): (...args: unknown[]) => Promise<unknown> {
  const fn = api.call[section]?.[method];
  if (typeof fn !== 'function') {
    throw new RoadworkError(
      'ERR_CHAIN_DECODE',
      `The chain's runtime has no API method: ${section}.${method}. Check the endpoint is a subtensor node.`,
    );
  }
  return fn as (...args: unknown[]) => Promise<unknown>;
}

/** The undecoded `get_neurons_lite` answer at the best block, with the block and a view pinned to it. */
export async function fetchNeuronsLite(
  api: ApiPromise,
  netuid: number,
): Promise<{ block: number; at: ApiDecoration<'promise'>; raw: unknown }> {
  const header = await api.rpc.chain.getHeader();
  const at = await api.at(header.hash);
  const raw = await runtimeCall(at, 'neuronInfoRuntimeApi', 'getNeuronsLite')(netuid);
  return { block: header.number.toNumber(), at, raw };
}

/** The subnet's neurons at the best block, with that block's number (both read at the same hash). */
export async function fetchNeurons(
  api: ApiPromise,
  netuid: number,
): Promise<{ block: number; neurons: Neuron[] }> {
  const { block, raw } = await fetchNeuronsLite(api, netuid);
  return { block, neurons: decodeNeurons(raw) };
}
