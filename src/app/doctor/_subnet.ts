/**
 * The subnet at one block as the doctor needs it: every uid's hotkey, incentive, rank, emission, stake
 * and registration block, the owner's hotkey and the immunity period, from one runtime call
 * (`SubnetInfoRuntimeApi.get_selective_mechagraph`, all fields, as Bittensor's SDK asks for it).
 */
import type { ApiPromise } from '@polkadot/api';
import { encodeAddress } from '@polkadot/util-crypto';
import type { ChainReader } from '../../wire/chain/index.js';
import { RoadworkError } from '../../core/errors/index.js';

/** One uid of the subnet. Scores are fractions of 1, amounts in alpha (rao / 1e9). */
export interface SubnetNeuron {
  readonly uid: number;
  readonly hotkey: string;
  readonly coldkey: string | undefined;
  readonly incentive: number;
  readonly rank: number | undefined;
  /** Emission per tempo, α. */
  readonly emission: number;
  /** Alpha stake, α. */
  readonly stake: number | undefined;
  readonly validatorPermit: boolean | undefined;
  /** `BlockAtRegistration`, when the runtime returned it. */
  readonly registeredAt: number | undefined;
}

/** The subnet's state at `block`. A field the runtime did not return is undefined, never guessed. */
export interface SubnetSnapshot {
  readonly netuid: number;
  readonly block: number;
  /** `SubnetOwnerHotkey`. */
  readonly ownerHotkey: string | undefined;
  /** `SubnetOwner` (the owner's coldkey). */
  readonly ownerColdkey: string | undefined;
  /** `ImmunityPeriod`, in blocks. */
  readonly immunityPeriod: number | undefined;
  readonly tempo: number | undefined;
  readonly neurons: readonly SubnetNeuron[];
}

// Field indexes 0..73: every field of the spec-343 `SelectiveMetagraph`; a runtime ignores indexes it lacks.
const ALL_FIELDS = Object.freeze(Array.from({ length: 74 }, (_, i) => i));
const RAO = 1e9;
const U16_MAX = 65535;

interface Codec {
  toBigInt?: () => bigint;
  toU8a?: () => Uint8Array;
  isTrue?: boolean;
  isSome?: boolean;
  isNone?: boolean;
  isStorageFallback?: boolean;
  unwrap?: () => unknown;
  get?: (name: string) => unknown;
}

function decodeError(what: string): RoadworkError {
  return new RoadworkError(
    'ERR_CHAIN_DECODE',
    `Cannot decode the chain's answer: ${what}. Update roadwork-miner.`,
  );
}

/** The field's value, unwrapped from its `Option`, or undefined when the runtime returned none. */
function field(struct: Codec, name: string): Codec | undefined {
  const value = struct.get?.(name) as Codec | undefined;
  if (value === undefined) return undefined;
  if (typeof value.isSome === 'boolean') return value.isSome ? (value.unwrap?.() as Codec) : undefined;
  return value;
}

function big(value: Codec | undefined, what: string): bigint {
  if (typeof value?.toBigInt !== 'function') throw decodeError(`${what} is not an integer`);
  return value.toBigInt();
}

function account(value: Codec | undefined, what: string): string {
  const bytes = value?.toU8a?.();
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw decodeError(`${what} is not an account`);
  return encodeAddress(bytes, 42);
}

function list(struct: Codec, name: string): Codec[] | undefined {
  const value = field(struct, name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw decodeError(`${name} is not a list`);
  return value as Codec[];
}

function optionalInt(struct: Codec, name: string): number | undefined {
  const value = field(struct, name);
  return value === undefined ? undefined : Number(big(value, name));
}

/** Decodes a `SelectiveMetagraph` codec (already unwrapped from its `Option`). */
export function decodeSubnet(codec: unknown, netuid: number, block: number): SubnetSnapshot {
  const s = codec as Codec;
  const hotkeys = list(s, 'hotkeys');
  if (hotkeys === undefined) throw decodeError('the metagraph has no hotkeys');
  const at = <T>(values: Codec[] | undefined, i: number, f: (c: Codec) => T): T | undefined =>
    values?.[i] === undefined ? undefined : f(values[i]);
  const [coldkeys, incentives, ranks, emissions, stakes, permits, registered] = [
    'coldkeys',
    'incentives',
    'rank',
    'emission',
    'alphaStake',
    'validatorPermit',
    'blockAtRegistration',
  ].map((name) => list(s, name));
  const neurons = hotkeys.map((hotkey, uid) => ({
    uid,
    hotkey: account(hotkey, 'a hotkey'),
    coldkey: at(coldkeys, uid, (c) => account(c, 'a coldkey')),
    incentive: (at(incentives, uid, (c) => Number(big(c, 'incentive'))) ?? 0) / U16_MAX,
    rank: at(ranks, uid, (c) => Number(big(c, 'rank')) / U16_MAX),
    emission: (at(emissions, uid, (c) => Number(big(c, 'emission'))) ?? 0) / RAO,
    stake: at(stakes, uid, (c) => Number(big(c, 'alpha stake')) / RAO),
    validatorPermit: at(permits, uid, (c) => c.isTrue === true),
    registeredAt: at(registered, uid, (c) => Number(big(c, 'block at registration'))),
  }));
  const owner = field(s, 'ownerHotkey');
  const ownerColdkey = field(s, 'ownerColdkey');
  return Object.freeze({
    netuid,
    block,
    ownerHotkey: owner === undefined ? undefined : account(owner, 'the owner hotkey'),
    ownerColdkey: ownerColdkey === undefined ? undefined : account(ownerColdkey, 'the owner coldkey'),
    immunityPeriod: optionalInt(s, 'immunityPeriod'),
    tempo: optionalInt(s, 'tempo'),
    neurons: Object.freeze(neurons.map((n) => Object.freeze(n))),
  });
}

function metagraphCall(at: ChainReader): (netuid: number) => Promise<unknown> {
  const api = at.call['subnetInfoRuntimeApi'];
  const mech = api?.['getSelectiveMechagraph'];
  if (typeof mech === 'function') return (netuid) => mech(netuid, 0, ALL_FIELDS);
  const meta = api?.['getSelectiveMetagraph'];
  if (typeof meta === 'function') return (netuid) => meta(netuid, ALL_FIELDS);
  throw new RoadworkError(
    'ERR_CHAIN_DECODE',
    "The chain's runtime has no API method: SubnetInfoRuntimeApi.get_selective_mechagraph. " +
      'Check the endpoint is a current subtensor node.',
  );
}

// The owner's hotkey straight from storage, for a runtime whose metagraph leaves it out; an absent key
// (polkadot-js then hands back the zero account as a fallback) is unknown, not an owner.
async function ownerFromStorage(at: ChainReader, netuid: number): Promise<string | undefined> {
  const item = at.query['subtensorModule']?.['subnetOwnerHotkey'];
  if (typeof item !== 'function') return undefined;
  const value = (await item(netuid)) as Codec;
  return value.isStorageFallback ? undefined : account(value, 'SubnetOwnerHotkey');
}

/** Reads the subnet at the best block; undefined when the subnet does not exist. */
export async function readSubnet(api: ApiPromise, netuid: number): Promise<SubnetSnapshot | undefined> {
  const header = await api.rpc.chain.getHeader();
  const at = await api.at(header.hash);
  const answer = (await metagraphCall(at)(netuid)) as Codec;
  if (typeof answer.isSome !== 'boolean') throw decodeError('the metagraph is not an Option');
  if (!answer.isSome) return undefined;
  const snapshot = decodeSubnet(answer.unwrap?.(), netuid, header.number.toNumber());
  if (snapshot.ownerHotkey !== undefined) return snapshot;
  return Object.freeze({ ...snapshot, ownerHotkey: await ownerFromStorage(at, netuid) });
}
