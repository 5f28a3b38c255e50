/** Planning a `serve_axon`: what the chain holds for the hotkey now, and the call that would change it. */
import type { ApiPromise } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import { RoadworkError } from '../../core/errors/index.js';
import { ipFromU128, ipToU128 } from './_ip.js';
import { uidForHotkey, type ChainReader } from './_queries.js';
import { callName, serveAxonCall, type AxonEndpoint } from './_serve.js';
import { atBestBlock } from './_status.js';

/** The axon a hotkey has published on a subnet (`SubtensorModule.Axons`). */
export interface ServedAxon {
  readonly ip: string;
  readonly port: number;
  readonly protocol: number;
  readonly version: number;
  /** Block of the last `serve_axon`. */
  readonly block: number;
}

/** Everything `roadwork chain serve-axon` shows before it signs: the call, its bytes, and the chain now. */
export interface ServeAxonPlan {
  readonly hotkey: string;
  readonly axon: Required<AxonEndpoint>;
  /** Best block the chain was read at. */
  readonly block: number;
  /** The hotkey's uid, or undefined when it is not registered (the chain would refuse the call). */
  readonly uid: number | undefined;
  /** What the chain holds now, or undefined when the hotkey never served on this subnet. */
  readonly current: ServedAxon | undefined;
  /** True when the chain already holds the same ip, port and protocol: sending would change nothing. */
  readonly unchanged: boolean;
  /** The unsigned call. */
  readonly call: SubmittableExtrinsic<'promise'>;
  /** `SubtensorModule.serve_axon`. */
  readonly method: string;
  /** The call's arguments by their runtime names, as the chain will decode them. */
  readonly args: readonly { readonly name: string; readonly value: string }[];
  /** The SCALE-encoded call (pallet index, call index, arguments), `0x` hex. */
  readonly hex: string;
}

interface Field {
  toBigInt?: () => bigint;
}

function int(struct: unknown, name: string): bigint {
  const value = (struct as { get?: (key: string) => Field | undefined }).get?.(name);
  if (typeof value?.toBigInt !== 'function') {
    throw new RoadworkError(
      'ERR_CHAIN_DECODE',
      `Cannot decode the chain's answer: Axons has no integer ${name}. Update roadwork-miner.`,
    );
  }
  return value.toBigInt();
}

/** The axon the hotkey serves on the subnet, or undefined when none (no entry, or ip 0). */
export async function servedAxon(
  api: ChainReader,
  netuid: number,
  hotkey: string,
): Promise<ServedAxon | undefined> {
  const axons = api.query['subtensorModule']?.['axons'];
  if (typeof axons !== 'function') {
    throw new RoadworkError(
      'ERR_CHAIN_DECODE',
      "The chain's runtime has no storage: SubtensorModule.Axons. Check the endpoint is a subtensor node.",
    );
  }
  const answer: unknown = await axons(netuid, hotkey);
  const option = answer as { isSome?: unknown; unwrap?: () => unknown };
  if (typeof option.isSome !== 'boolean' || typeof option.unwrap !== 'function') {
    throw new RoadworkError(
      'ERR_CHAIN_DECODE',
      "Cannot decode the chain's answer: Axons is not an Option. Update roadwork-miner.",
    );
  }
  if (!option.isSome) return undefined;
  const info = option.unwrap();
  const ip = int(info, 'ip');
  if (ip === 0n) return undefined;
  return {
    ip: ipFromU128(ip, Number(int(info, 'ipType'))),
    port: Number(int(info, 'port')),
    protocol: Number(int(info, 'protocol')),
    version: Number(int(info, 'version')),
    block: Number(int(info, 'block')),
  };
}

function sameAddress(a: string, b: string): boolean {
  const [x, y] = [ipToU128(a), ipToU128(b)];
  return x !== undefined && y !== undefined && x.ip === y.ip && x.ipType === y.ipType;
}

/** Reads the hotkey's uid and served axon at the best block and builds the `serve_axon` call for `axon`. */
export async function planServeAxon(
  api: ApiPromise,
  hotkey: string,
  axon: AxonEndpoint,
): Promise<ServeAxonPlan> {
  const full = { ...axon, version: axon.version ?? 0, protocol: axon.protocol ?? 4 };
  // Built first: a bad ip or port fails before any chain read.
  const call = serveAxonCall(api, full);
  const { block, at } = await atBestBlock(api);
  const [uid, current] = await Promise.all([
    uidForHotkey(at, axon.netuid, hotkey),
    servedAxon(at, axon.netuid, hotkey),
  ]);
  const unchanged =
    current !== undefined &&
    sameAddress(current.ip, full.ip) &&
    current.port === full.port &&
    current.protocol === full.protocol;
  const { method } = call;
  return {
    hotkey,
    axon: full,
    block,
    uid,
    current,
    unchanged,
    call,
    method: callName(call),
    args: method.meta.args.map((arg, i) => ({
      name: arg.name.toString(),
      value: method.args[i]?.toString() ?? '',
    })),
    hex: method.toHex(),
  };
}
