/** Builds (never sends) the `serveAxon` extrinsic that publishes the miner's address on chain. */
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { RoadworkError } from '../../core/errors/index.js';
import { ipToU128 } from './_ip.js';

/** What `serveAxon` publishes. */
export interface AxonEndpoint {
  readonly netuid: number;
  /** Public IPv4 or IPv6 address, as validators will dial it. */
  readonly ip: string;
  readonly port: number;
  /** The axon's software version as an integer (Bittensor's `version_as_int`); default 0. */
  readonly version?: number;
  /** Default 4, the value every Bittensor axon sends. */
  readonly protocol?: number;
}

/**
 * The unsigned `SubtensorModule.serve_axon` call for an axon; the caller signs it with the hotkey.
 * Throws `ERR_CONFIG_INVALID` for an ip that is not an address or a port outside 1-65535.
 */
export function serveAxonCall(api: ApiPromise, axon: AxonEndpoint): SubmittableExtrinsic<'promise'> {
  const encoded = ipToU128(axon.ip);
  if (!encoded) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The axon ip is not an IPv4 or IPv6 address: "${axon.ip}". Set axon.external_ip to the public address.`,
    );
  }
  if (!Number.isInteger(axon.port) || axon.port < 1 || axon.port > 65535) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The axon port is not in 1-65535: ${axon.port}. Set axon.external_port.`,
    );
  }
  const serve = api.tx['subtensorModule']?.['serveAxon'];
  if (typeof serve !== 'function') {
    throw new RoadworkError(
      'ERR_CHAIN_DECODE',
      "The chain's runtime has no call: SubtensorModule.serve_axon. Check the endpoint is a subtensor node.",
    );
  }
  // Argument order per the runtime: netuid, version, ip, port, ip_type, protocol, placeholder1, placeholder2.
  return serve(
    axon.netuid,
    axon.version ?? 0,
    encoded.ip,
    axon.port,
    encoded.ipType,
    axon.protocol ?? 4,
    0,
    0,
  );
}

/** `Pallet.call_name` as the runtime spells it (`SubtensorModule.serve_axon`), for messages. */
export function callName(call: SubmittableExtrinsic<'promise'>): string {
  const { section } = call.method;
  return `${section[0]?.toUpperCase() ?? ''}${section.slice(1)}.${call.method.meta.name.toString()}`;
}
