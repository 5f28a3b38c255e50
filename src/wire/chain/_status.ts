/** The operator's view of one hotkey on a subnet, read at a single block so every number agrees. */
import type { ApiPromise } from '@polkadot/api';
import { RoadworkError } from '../../core/errors/index.js';
import type { NeuronRow } from './_decode.js';
import { neuronRow, uidForHotkey, type ChainReader } from './_queries.js';

/** What `hotkeyStatus()` reads: the subnet at the best block and, when registered, the hotkey's row. */
export interface HotkeyStatus {
  readonly netuid: number;
  readonly hotkey: string;
  /** Best block number the reads were made at. */
  readonly block: number;
  readonly blockHash: string;
  /** Whether the subnet exists at all (`NetworksAdded`). */
  readonly subnetExists: boolean;
  /** Registered neurons on the subnet (`SubnetworkN`). */
  readonly subnetSize: number;
  /** The hotkey's row, or undefined when it holds no uid on the subnet. */
  readonly neuron?: NeuronRow;
  /** `block - neuron.lastUpdate`, when registered. */
  readonly blocksSinceUpdate?: number;
}

function decodeError(what: string): RoadworkError {
  return new RoadworkError(
    'ERR_CHAIN_DECODE',
    `Cannot decode the chain's answer: ${what}. Update roadwork-miner.`,
  );
}

function storage(api: ChainReader, item: string): (...args: unknown[]) => Promise<unknown> {
  const fn = api.query['subtensorModule']?.[item];
  if (typeof fn !== 'function') throw decodeError(`the runtime has no SubtensorModule.${item} storage`);
  return fn as (...args: unknown[]) => Promise<unknown>;
}

/** `SubtensorModule.SubnetworkN(netuid)`: how many uids the subnet holds (0 when it does not exist). */
export async function subnetSize(api: ChainReader, netuid: number): Promise<number> {
  const value = (await storage(api, 'subnetworkN')(netuid)) as { toNumber?: () => number };
  if (typeof value.toNumber !== 'function') throw decodeError('SubnetworkN is not an integer');
  return value.toNumber();
}

/** `ERR_CONFIG_INVALID` for a netuid the chain does not hold; `chain` says which (default 'the chain'). */
export function noSubnetError(netuid: number, chain = 'the chain'): RoadworkError {
  return new RoadworkError(
    'ERR_CONFIG_INVALID',
    `No subnet with this netuid on ${chain}: ${netuid}. Check --netuid (72 on finney, 323 on test).`,
  );
}

/** `SubtensorModule.NetworksAdded(netuid)`. */
export async function subnetExists(api: ChainReader, netuid: number): Promise<boolean> {
  const value = (await storage(api, 'networksAdded')(netuid)) as { isTrue?: boolean };
  if (typeof value.isTrue !== 'boolean') throw decodeError('NetworksAdded is not a bool');
  return value.isTrue;
}

/** The best block's number and hash, and a view of the chain pinned to it. */
export async function atBestBlock(
  api: ApiPromise,
): Promise<{ block: number; blockHash: string; at: ChainReader }> {
  const header = await api.rpc.chain.getHeader();
  return { block: header.number.toNumber(), blockHash: header.hash.toHex(), at: await api.at(header.hash) };
}

/**
 * Reads the hotkey's registration on the subnet at the best block: its uid and full row (stake, rank,
 * trust, incentive, emission, permit, axon, last update), the subnet's size, and whether it exists.
 */
export async function hotkeyStatus(api: ApiPromise, netuid: number, hotkey: string): Promise<HotkeyStatus> {
  const { block, blockHash, at } = await atBestBlock(api);
  const uid = await uidForHotkey(at, netuid, hotkey);
  const [size, neuron] = await Promise.all([
    subnetSize(at, netuid),
    uid === undefined ? undefined : neuronRow(at, netuid, uid),
  ]);
  // A uid implies the subnet exists; only an unregistered hotkey needs the extra read to tell why.
  const exists = neuron !== undefined || (await subnetExists(at, netuid));
  const base = { netuid, hotkey, block, blockHash, subnetExists: exists, subnetSize: size };
  if (!neuron) return base;
  return { ...base, neuron, blocksSinceUpdate: Math.max(0, block - neuron.lastUpdate) };
}
