/** The chain as the doctor reads it: one connection, the subnet snapshot, and the hotkey's served axon. */
import type { ApiPromise } from '@polkadot/api';
import {
  connectChain,
  planServeAxon,
  servedAxon,
  type ProviderFactory,
  type ServedAxon,
} from '../../wire/chain/index.js';
import { readSubnet, type SubnetSnapshot } from './_subnet.js';

/** What the chain holds for the hotkey's axon, and whether it equals the configured one. */
export interface AxonOnChain {
  /** Undefined when the hotkey serves no axon on the subnet. */
  readonly current: ServedAxon | undefined;
  /** Same ip, port and protocol 4 as configured; undefined when nothing was configured to compare. */
  readonly matches: boolean | undefined;
}

/** The chain reads the checks need; tests may pass plain objects. */
export interface DoctorChain {
  readonly endpoint: string;
  /** Best block at connection time. */
  readonly block: number;
  /** The runtime's spec version. */
  readonly specVersion: number;
  /** The subnet, or undefined when it does not exist. */
  subnet(netuid: number): Promise<SubnetSnapshot | undefined>;
  /** The hotkey's axon; `configured` is the public ip and port the settings publish. */
  axon(netuid: number, hotkey: string, configured?: { ip: string; port: number }): Promise<AxonOnChain>;
  close(): Promise<void>;
}

/** A `DoctorChain` over a ready polkadot-js api. */
export async function chainOf(api: ApiPromise, endpoint: string): Promise<DoctorChain> {
  const header = await api.rpc.chain.getHeader();
  return {
    endpoint,
    block: header.number.toNumber(),
    specVersion: api.runtimeVersion.specVersion.toNumber(),
    subnet: (netuid) => readSubnet(api, netuid),
    async axon(netuid, hotkey, configured) {
      if (configured === undefined)
        return { current: await servedAxon(api, netuid, hotkey), matches: undefined };
      // serve-axon's own plan: the comparison `roadwork chain serve-axon` makes before it would send.
      const plan = await planServeAxon(api, hotkey, { netuid, ...configured });
      return { current: plan.current, matches: plan.unchanged };
    },
    close: () => api.disconnect().catch(() => undefined),
  };
}

/** Connects to `endpoint` (`ERR_CHAIN_UNREACHABLE` after `timeoutMs`) and wraps the api. */
export async function connectDoctorChain(
  endpoint: string,
  options: { timeoutMs?: number; providerFactory?: ProviderFactory } = {},
): Promise<DoctorChain> {
  const api = await connectChain(endpoint, options);
  try {
    return await chainOf(api, endpoint);
  } catch (err) {
    await api.disconnect().catch(() => undefined);
    throw err;
  }
}
