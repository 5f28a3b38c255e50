/** A subnet's dynamic-TAO economics as the chain holds them: emission, pool, burn, owner, incentive. */
import type { ApiPromise } from '@polkadot/api';
import { RoadworkError } from '../../core/errors/index.js';
import { fetchNeuronsLite, runtimeCall } from './_api.js';
import { account, big, decodeNeurons, field, flag, ratio } from './_decode.js';
import type { Neuron } from './types.js';
import type { ChainReader } from './_queries.js';
import { noSubnetError, subnetExists } from './_status.js';

const RAO = 1e9;
const U16_MAX = 65535;

/** One UID's share of the subnet's scores, from `NeuronInfoLite` (fractions of 1). */
export interface IncentiveRow {
  readonly uid: number;
  readonly hotkey: string;
  readonly coldkey: string;
  readonly incentive: number;
  readonly dividends: number;
  readonly validatorPermit: boolean;
}

/** Who owns the subnet: `SubnetOwner` (coldkey) and `SubnetOwnerHotkey`. */
export interface SubnetOwnerKeys {
  readonly coldkey: string;
  readonly hotkey: string;
}

/** Everything `roadwork roi` reads from the chain, at one block; amounts in alpha or TAO, not rao. */
export interface SubnetEconomics {
  readonly netuid: number;
  readonly block: number;
  /** `Aura.SlotDuration` (a runtime constant) in seconds. */
  readonly blockSeconds: number;
  /** `Tempo`: blocks between epochs. */
  readonly tempo: number;
  /** `SubnetAlphaOutEmission`: alpha created for the subnet's participants in the last block. */
  readonly alphaOutPerBlock: number;
  /** `SubnetOwnerCut` as a fraction of the alpha out. */
  readonly ownerCut: number;
  /** `PendingServerEmission`: the miners' alpha accumulated since the last epoch. */
  readonly pendingServerAlpha: number;
  /** `BlocksSinceLastStep`: the blocks that accumulated it. */
  readonly blocksSinceLastStep: number;
  /**
   * Pending server alpha per block: what reaches the subnet's miners per block, all mechanisms
   * together; null when no block has accumulated yet.
   */
  readonly minerAlphaPerBlock: number | null;
  /** `SubnetTAO` and `SubnetAlphaIn`: the pool's reserves. */
  readonly poolTao: number;
  readonly poolAlpha: number;
  /** TAO per alpha from the reserves; null for an empty pool. */
  readonly alphaPriceTao: number | null;
  /** `Burn`: TAO burned to register a UID now. */
  readonly burnTao: number;
  /** `RecycleOrBurn`: what happens to the incentive of the owner's UIDs. */
  readonly ownerIncentiveFate: 'burn' | 'recycle';
  /** `MechanismCountCurrent`: incentive mechanisms sharing the miners' alpha (1 on most subnets). */
  readonly mechanisms: number;
  /**
   * `MechanismEmissionSplit`: each mechanism's fraction of the alpha (u16 / 65535); null when unset
   * (an even split) or when the runtime has no such storage.
   */
  readonly mechanismSplit: readonly number[] | null;
  /** Mechanism 0's fraction of the miners' alpha, as subtensor's `split_emissions` divides it. */
  readonly mechanismShare: number;
  readonly owner: SubnetOwnerKeys;
  /** `NeuronInfoRuntimeApi.get_neurons_lite`: every UID's incentive and dividends. */
  readonly neurons: readonly IncentiveRow[];
}

function decodeError(what: string): RoadworkError {
  return new RoadworkError(
    'ERR_CHAIN_DECODE',
    `Cannot read the subnet's economics from the chain: ${what}. The runtime may predate dynamic TAO or have changed; update roadwork-miner.`,
  );
}

async function storage(at: ChainReader, item: string, ...args: unknown[]): Promise<unknown> {
  const query = at.query['subtensorModule']?.[item];
  if (typeof query !== 'function') throw decodeError(`the runtime has no SubtensorModule.${item} storage`);
  return query(...args);
}

async function amount(at: ChainReader, item: string, netuid: number): Promise<number> {
  return Number(big(await storage(at, item, netuid), item)) / RAO;
}

async function integer(at: ChainReader, item: string, ...args: unknown[]): Promise<number> {
  return Number(big(await storage(at, item, ...args), item));
}

/** Decodes `Vec<NeuronInfoLite>` into incentive rows. */
export function decodeIncentiveRows(codec: unknown): IncentiveRow[] {
  if (!Array.isArray(codec)) throw decodeError('get_neurons_lite is not a list');
  return codec.map((n: unknown) => ({
    uid: Number(big(field(n, 'uid'), 'uid')),
    hotkey: account(field(n, 'hotkey'), 'hotkey'),
    coldkey: account(field(n, 'coldkey'), 'coldkey'),
    incentive: ratio(n, 'incentive'),
    dividends: ratio(n, 'dividends'),
    validatorPermit: flag(n, 'validatorPermit'),
  }));
}

/** What the owner's UIDs are found by: any UID's keys (a coldkey the runtime did not return is undefined). */
export type OwnedRow = Pick<IncentiveRow, 'uid' | 'hotkey' | 'incentive'> & { readonly coldkey?: string };

/**
 * The owner's UIDs: the owner hotkey's and every hotkey of the owner's coldkey, whose incentive the
 * chain burns or recycles instead of paying (subtensor's `get_owner_hotkeys`). A key not known
 * (undefined) matches nothing.
 */
export function ownerUids(rows: readonly OwnedRow[], owner: Partial<SubnetOwnerKeys>): Set<number> {
  const owned = (r: OwnedRow): boolean =>
    (owner.hotkey !== undefined && r.hotkey === owner.hotkey) ||
    (owner.coldkey !== undefined && r.coldkey === owner.coldkey);
  return new Set(rows.filter(owned).map((r) => r.uid));
}

/**
 * Share of the subnet's incentive on the owner's UID at or above which the subnet counts as halted
 * (burning): upstream's halt of 2026-05-06 puts all weight there (`roadwork doctor`, the web dashboard).
 */
export const BURN_SHARE = 0.9;

/** The share (0..1) of the subnet's miner incentive on the owner's UIDs; NaN when no UID has incentive. */
export function ownerIncentiveShare(rows: readonly OwnedRow[], owner: Partial<SubnetOwnerKeys>): number {
  const owned = ownerUids(rows, owner);
  let total = 0;
  let theirs = 0;
  for (const r of rows) {
    total += r.incentive;
    if (owned.has(r.uid)) theirs += r.incentive;
  }
  return total > 0 ? theirs / total : Number.NaN;
}

/** `SubnetOwner` and `SubnetOwnerHotkey` of the subnet. */
export async function readSubnetOwner(at: ChainReader, netuid: number): Promise<SubnetOwnerKeys> {
  const [coldkey, hotkey] = await Promise.all([
    storage(at, 'subnetOwner', netuid),
    storage(at, 'subnetOwnerHotkey', netuid),
  ]);
  return { coldkey: account(coldkey, 'SubnetOwner'), hotkey: account(hotkey, 'SubnetOwnerHotkey') };
}

/**
 * Mechanism 0's fraction of the alpha, as subtensor's `split_emissions`: the stored split (u16 parts of
 * 65535; a split shorter than the mechanisms pads with zeros) or, unset, an even split.
 * `get_neurons_lite` reports mechanism 0's incentive, so this is the part that incentive is paid from.
 */
export function mechanismShare(mechanisms: number, split: readonly number[] | null): number {
  if (split === null) return 1 / Math.max(1, mechanisms);
  return (split[0] ?? 0) / U16_MAX;
}

// `MechanismEmissionSplit(netuid)`, raw u16 parts; null when unset or not in this runtime (which then
// has one mechanism's worth of emission: all of it).
async function emissionSplit(at: ChainReader, netuid: number): Promise<number[] | null> {
  const query = at.query['subtensorModule']?.['mechanismEmissionSplit'];
  if (typeof query !== 'function') return null;
  const value = (await query(netuid)) as { isSome?: boolean; unwrap?: () => unknown };
  if (value.isSome !== true) return null;
  const parts = value.unwrap?.();
  if (!Array.isArray(parts)) throw decodeError('MechanismEmissionSplit is not a list');
  return parts.map((p) => Number(big(p, 'MechanismEmissionSplit')));
}

function slotSeconds(at: Pick<ApiPromise, 'consts'>): number {
  const slot = at.consts['aura']?.['slotDuration'];
  if (slot === undefined) throw decodeError('the runtime has no Aura.SlotDuration constant');
  return Number(big(slot, 'Aura.SlotDuration')) / 1000;
}

function fate(value: unknown): 'burn' | 'recycle' {
  const v = value as { isRecycle?: unknown };
  return v.isRecycle === true ? 'recycle' : 'burn';
}

async function accrual(at: ChainReader, netuid: number): Promise<{ pending: number; since: number }> {
  const [pending, since] = await Promise.all([
    amount(at, 'pendingServerEmission', netuid),
    integer(at, 'blocksSinceLastStep', netuid),
  ]);
  return { pending, since };
}

/**
 * Reads the subnet's economics at the best block, every value at the same block hash. The miners'
 * alpha per block is `PendingServerEmission / BlocksSinceLastStep`, the chain's own accumulation since
 * the last epoch, so no owner/validator split is assumed here; the epoch then divides it between the
 * incentive mechanisms (`mechanismShare`).
 */
export async function readSubnetEconomics(api: ApiPromise, netuid: number): Promise<SubnetEconomics> {
  const header = await api.rpc.chain.getHeader();
  const at = await api.at(header.hash);
  if (!(await subnetExists(at, netuid))) throw noSubnetError(netuid);
  const [
    alphaOut,
    cut,
    pending,
    since,
    tempo,
    poolTao,
    poolAlpha,
    burnTao,
    recycle,
    mechanisms,
    split,
    owner,
    raw,
  ] = await Promise.all([
    amount(at, 'subnetAlphaOutEmission', netuid),
    integer(at, 'subnetOwnerCut'),
    amount(at, 'pendingServerEmission', netuid),
    integer(at, 'blocksSinceLastStep', netuid),
    integer(at, 'tempo', netuid),
    amount(at, 'subnetTAO', netuid),
    amount(at, 'subnetAlphaIn', netuid),
    amount(at, 'burn', netuid),
    storage(at, 'recycleOrBurn', netuid),
    integer(at, 'mechanismCountCurrent', netuid),
    emissionSplit(at, netuid),
    readSubnetOwner(at, netuid),
    runtimeCall(at, 'neuronInfoRuntimeApi', 'getNeuronsLite')(netuid),
  ]);
  // Read on an epoch's block the accumulation was just paid out; the parent block still holds it.
  const accrued = since > 0 ? { pending, since } : await accrual(await api.at(header.parentHash), netuid);
  return {
    netuid,
    block: header.number.toNumber(),
    blockSeconds: slotSeconds(at),
    tempo,
    alphaOutPerBlock: alphaOut,
    ownerCut: cut / U16_MAX,
    pendingServerAlpha: accrued.pending,
    blocksSinceLastStep: accrued.since,
    minerAlphaPerBlock: accrued.since > 0 ? accrued.pending / accrued.since : null,
    poolTao,
    poolAlpha,
    alphaPriceTao: poolAlpha > 0 ? poolTao / poolAlpha : null,
    burnTao,
    ownerIncentiveFate: fate(recycle),
    mechanisms: Math.max(1, mechanisms),
    mechanismSplit: split === null ? null : split.map((p) => p / U16_MAX),
    mechanismShare: mechanismShare(mechanisms, split),
    owner,
    neurons: decodeIncentiveRows(raw),
  };
}

/**
 * The neurons for the metagraph plus the owner's share of the miner incentive, from one
 * `get_neurons_lite` answer; the share is undefined where the runtime has no owner storage.
 */
export async function fetchNeuronsAndOwnerShare(
  api: ApiPromise,
  netuid: number,
): Promise<{ block: number; neurons: Neuron[]; ownerIncentiveShare: number | undefined }> {
  const { block, at, raw } = await fetchNeuronsLite(api, netuid);
  const neurons = decodeNeurons(raw);
  let share: number | undefined;
  try {
    share = ownerIncentiveShare(decodeIncentiveRows(raw), await readSubnetOwner(at, netuid));
  } catch {
    // A runtime before dynamic TAO (or a node that cannot answer) leaves the gauge unknown, never the metagraph.
    share = undefined;
  }
  return { block, neurons, ownerIncentiveShare: share };
}
