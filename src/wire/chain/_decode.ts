/** Turns polkadot-js codecs of subtensor's `NeuronInfoLite` / `NeuronInfo` into plain neurons. */
import { encodeAddress } from '@polkadot/util-crypto';
import { RoadworkError } from '../../core/errors/index.js';
import { ipFromU128 } from './_ip.js';
import type { Neuron } from './types.js';

const RAO_PER_TAO = 1e9;
const U16_MAX = 65535;

/** A neuron's full row from `NeuronInfoRuntimeApi.get_neuron`: scores are fractions of 1, amounts in TAO. */
export interface NeuronRow extends Neuron {
  readonly netuid: number;
  readonly coldkey: string;
  readonly active: boolean;
  readonly rank: number;
  readonly trust: number;
  readonly consensus: number;
  readonly incentive: number;
  readonly dividends: number;
  readonly validatorTrust: number;
  /** Emission per tempo, in TAO (alpha). */
  readonly emission: number;
  /** Block of the neuron's last weights or registration. */
  readonly lastUpdate: number;
}

function decodeError(what: string): RoadworkError {
  return new RoadworkError(
    'ERR_CHAIN_DECODE',
    `Cannot decode the chain's neuron info: ${what}. The runtime's layout may have changed; update roadwork-miner.`,
  );
}

/** A struct's field by its polkadot-js name, or `ERR_CHAIN_DECODE` naming it. */
export function field(struct: unknown, name: string): unknown {
  const get = (struct as { get?: unknown } | null)?.get;
  const value: unknown = typeof get === 'function' ? get.call(struct, name) : undefined;
  if (value === undefined) throw decodeError(`no field ${name}`);
  return value;
}

/** An integer codec as a bigint. */
export function big(value: unknown, name: string): bigint {
  const toBigInt = (value as { toBigInt?: unknown } | null)?.toBigInt;
  if (typeof toBigInt !== 'function') throw decodeError(`${name} is not an integer`);
  return toBigInt.call(value) as bigint;
}

function int(struct: unknown, name: string): number {
  return Number(big(field(struct, name), name));
}

/** A bool field. */
export function flag(struct: unknown, name: string): boolean {
  const value = field(struct, name) as { isTrue?: unknown };
  if (typeof value.isTrue !== 'boolean') throw decodeError(`${name} is not a bool`);
  return value.isTrue;
}

/** A 32-byte account codec as an ss58 address (prefix 42). */
export function account(value: unknown, name: string): string {
  const toU8a = (value as { toU8a?: unknown } | null)?.toU8a;
  const bytes: unknown = typeof toU8a === 'function' ? toU8a.call(value) : undefined;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32)
    throw decodeError(`${name} is not a 32-byte account`);
  return encodeAddress(bytes, 42);
}

/** A u16 score field as a fraction of 1. */
export function ratio(struct: unknown, name: string): number {
  return int(struct, name) / U16_MAX;
}

/** Sums `Vec<(AccountId, Compact<u64>)>` in rao exactly, then converts once to TAO. */
function stakeOf(struct: unknown): number {
  const entries = field(struct, 'stake');
  if (!Array.isArray(entries)) throw decodeError('stake is not a list');
  const rao = entries.reduce<bigint>((sum, entry: unknown) => {
    if (!Array.isArray(entry) || entry.length !== 2) throw decodeError('a stake entry is not a pair');
    return sum + big(entry[1], 'stake amount');
  }, 0n);
  return Number(rao) / RAO_PER_TAO;
}

function axonOf(struct: unknown): Neuron['axon'] {
  const info = field(struct, 'axonInfo');
  const ip = big(field(info, 'ip'), 'axon ip');
  // An axon serves once its ip is set; a registered neuron that never served has ip 0.
  if (ip === 0n) return null;
  return { ip: ipFromU128(ip, int(info, 'ipType')), port: int(info, 'port') };
}

/** Decodes one `NeuronInfoLite` (or `NeuronInfo`) codec into a `Neuron`. */
export function decodeNeuron(codec: unknown): Neuron {
  return {
    uid: int(codec, 'uid'),
    hotkey: account(field(codec, 'hotkey'), 'hotkey'),
    stake: stakeOf(codec),
    validatorPermit: flag(codec, 'validatorPermit'),
    axon: axonOf(codec),
  };
}

/** Decodes a `Vec<NeuronInfoLite>` codec. */
export function decodeNeurons(codec: unknown): Neuron[] {
  if (!Array.isArray(codec)) throw decodeError('the answer is not a list');
  return codec.map((n: unknown) => decodeNeuron(n));
}

/** Decodes one `NeuronInfo` codec into a full row. */
export function decodeNeuronRow(codec: unknown): NeuronRow {
  return {
    ...decodeNeuron(codec),
    netuid: int(codec, 'netuid'),
    coldkey: account(field(codec, 'coldkey'), 'coldkey'),
    active: flag(codec, 'active'),
    rank: ratio(codec, 'rank'),
    trust: ratio(codec, 'trust'),
    consensus: ratio(codec, 'consensus'),
    incentive: ratio(codec, 'incentive'),
    dividends: ratio(codec, 'dividends'),
    validatorTrust: ratio(codec, 'validatorTrust'),
    emission: int(codec, 'emission') / RAO_PER_TAO,
    lastUpdate: int(codec, 'lastUpdate'),
  };
}
