/** One-shot chain reads an operator needs: is my hotkey registered, under which uid, and my row. */
import type { ApiPromise } from '@polkadot/api';
import type { ApiDecoration } from '@polkadot/api/types';
import { RoadworkError } from '../../core/errors/index.js';
import { runtimeCall } from './_api.js';
import { decodeNeuronRow, type NeuronRow } from './_decode.js';
import { hotkeyProblem } from './_validate.js';

/** The live api, or a view pinned to one block (`await api.at(hash)`) so several reads agree. */
export type ChainReader = Pick<ApiPromise | ApiDecoration<'promise'>, 'query' | 'call'>;

interface OptionLike {
  readonly isSome: boolean;
  unwrap(): unknown;
}

function isOption(value: unknown): value is OptionLike {
  return typeof value === 'object' && value !== null && 'isSome' in value && 'unwrap' in value;
}

/** Refuses a string that is not a hotkey address (ERR_HOTKEY_INVALID), before any chain read. */
export function checkHotkey(hotkey: string): void {
  const bad = hotkeyProblem(hotkey);
  if (bad)
    throw new RoadworkError('ERR_HOTKEY_INVALID', `The hotkey ${bad.problem}: "${hotkey}". ${bad.fix}`);
}

function decodeError(what: string): RoadworkError {
  return new RoadworkError(
    'ERR_CHAIN_DECODE',
    `Cannot decode the chain's answer: ${what}. Update roadwork-miner.`,
  );
}

/** The hotkey's uid on the subnet (storage `SubtensorModule.Uids`), or undefined when not registered. */
export async function uidForHotkey(
  api: ChainReader,
  netuid: number,
  hotkey: string,
): Promise<number | undefined> {
  checkHotkey(hotkey);
  const uids = api.query['subtensorModule']?.['uids'];
  if (typeof uids !== 'function') throw decodeError('the runtime has no SubtensorModule.Uids storage');
  const answer: unknown = await uids(netuid, hotkey);
  if (!isOption(answer)) throw decodeError('Uids is not an Option');
  if (!answer.isSome) return undefined;
  const uid = answer.unwrap() as { toNumber?: () => number };
  if (typeof uid.toNumber !== 'function') throw decodeError('Uids holds no integer');
  return uid.toNumber();
}

/** Whether the hotkey holds a uid on the subnet. */
export async function isHotkeyRegistered(api: ChainReader, netuid: number, hotkey: string): Promise<boolean> {
  return (await uidForHotkey(api, netuid, hotkey)) !== undefined;
}

/** The full row of one uid (`NeuronInfoRuntimeApi.get_neuron`), or undefined when the uid is empty. */
export async function neuronRow(
  api: ChainReader,
  netuid: number,
  uid: number,
): Promise<NeuronRow | undefined> {
  const answer = await runtimeCall(api, 'neuronInfoRuntimeApi', 'getNeuron')(netuid, uid);
  if (!isOption(answer)) throw decodeError('get_neuron is not an Option');
  return answer.isSome ? decodeNeuronRow(answer.unwrap()) : undefined;
}

/** The row of the neuron the hotkey holds on the subnet, or undefined when it is not registered. */
export async function neuronForHotkey(
  api: ChainReader,
  netuid: number,
  hotkey: string,
): Promise<NeuronRow | undefined> {
  const uid = await uidForHotkey(api, netuid, hotkey);
  return uid === undefined ? undefined : neuronRow(api, netuid, uid);
}
