/** The calculator's inputs from the chain's economics, or from planning values given offline. */
import { RoadworkError } from '../../core/errors/index.js';
import { ownerIncentiveShare, ownerUids, type SubnetEconomics } from '../../wire/chain/index.js';
import type { MinerShare, Position, SubnetInputs } from './types.js';

/** Which position to price: a hotkey (registered or not), or a rank among the current miners. */
export interface PositionQuery {
  readonly hotkey?: string;
  readonly rank?: number;
}

function rankPosition(miners: readonly MinerShare[], rank: number): Position {
  const at = miners[rank - 1];
  if (!Number.isInteger(rank) || rank < 1 || !at) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `No miner holds that rank: ${rank}. Give a rank from 1 to ${miners.length} (the subnet's miner UIDs).`,
    );
  }
  return { kind: 'rank', rank, share: at.share };
}

function chainNotes(economics: SubnetEconomics): string[] {
  const notes: string[] = [];
  if (economics.minerAlphaPerBlock === null)
    notes.push('The chain holds no accumulated miner emission for this subnet (it emits nothing now).');
  if (economics.alphaPriceTao === null) notes.push("The subnet's pool is empty: its alpha has no TAO price.");
  if (economics.mechanisms > 1 || economics.mechanismShare !== 1) {
    const how = economics.mechanismSplit === null ? 'evenly' : 'by MechanismEmissionSplit';
    notes.push(
      `This subnet splits its miners' alpha over ${economics.mechanisms} incentive mechanisms (${how}); the figures price mechanism 0's ${(economics.mechanismShare * 100).toFixed(1)} %, the part the incentive read is paid from.`,
    );
  }
  return notes;
}

/** The hotkey's position; the owner's own UIDs are priced at 0 (the chain burns or recycles their incentive). */
function hotkeyPosition(
  economics: SubnetEconomics,
  miners: readonly MinerShare[],
  hotkey: string,
): { position: Position; note?: string } {
  const mine = economics.neurons.find((n) => n.hotkey === hotkey);
  if (!mine) return { position: { kind: 'unregistered', hotkey } };
  const owned = ownerUids(economics.neurons, economics.owner).has(mine.uid);
  const total = economics.neurons.reduce((sum, n) => sum + n.incentive, 0);
  const index = miners.findIndex((m) => m.uid === mine.uid);
  const position: Position = {
    kind: 'hotkey',
    hotkey,
    uid: mine.uid,
    share: owned || total === 0 ? 0 : mine.incentive / total,
    rank: index < 0 ? null : index + 1,
  };
  if (!owned) return { position };
  const fate = economics.ownerIncentiveFate === 'recycle' ? 'recycled' : 'burned';
  return {
    position,
    note: `The hotkey holds one of the owner's UIDs (${mine.uid}); its incentive is ${fate}.`,
  };
}

/** Miner UIDs, highest share first: every UID but the owner's and active validators (a permit and dividends). */
function minerShares(economics: SubnetEconomics): MinerShare[] {
  const owned = ownerUids(economics.neurons, economics.owner);
  const total = economics.neurons.reduce((sum, n) => sum + n.incentive, 0);
  return economics.neurons
    .filter((n) => !owned.has(n.uid) && !(n.validatorPermit && n.dividends > 0))
    .map((n) => ({ uid: n.uid, hotkey: n.hotkey, share: total > 0 ? n.incentive / total : 0 }))
    .sort((a, b) => b.share - a.share || (a.uid ?? 0) - (b.uid ?? 0));
}

/**
 * Turns the chain's economics into calculator inputs; shares are a UID's incentive over all UIDs'
 * incentive (the owner's included).
 */
export function fromChain(economics: SubnetEconomics, query: PositionQuery = {}): SubnetInputs {
  const miners = minerShares(economics);
  const notes = chainNotes(economics);
  let position: Position | undefined;
  if (query.hotkey !== undefined) {
    const found = hotkeyPosition(economics, miners, query.hotkey);
    position = found.position;
    if (found.note) notes.push(found.note);
  } else if (query.rank !== undefined) position = rankPosition(miners, query.rank);
  const { neurons: _rows, ...chain } = economics;
  return {
    source: 'chain',
    chain,
    netuid: economics.netuid,
    block: economics.block,
    blockSeconds: economics.blockSeconds,
    // Mechanism 0's part: get_neurons_lite's incentive is mechanism 0's, paid from that part only.
    minerAlphaPerBlock: (economics.minerAlphaPerBlock ?? 0) * economics.mechanismShare,
    alphaPriceTao: economics.alphaPriceTao ?? 0,
    burnTao: economics.burnTao,
    ownerShare: ownerIncentiveShare(economics.neurons, economics.owner),
    miners,
    ...(position && { position }),
    notes,
  };
}

/** Planning values for `roi --offline`: every chain input given by hand. */
export interface OfflineValues {
  readonly netuid: number;
  readonly blockSeconds: number;
  readonly minerAlphaPerBlock: number;
  readonly alphaPriceTao: number;
  /** Each miner UID's share of the miner incentive (fractions of 1, summing to at most 1). */
  readonly shares: readonly number[];
  readonly ownerShare: number;
  readonly burnTao?: number;
  /** A share to price as the operator's own (e.g. a rank they expect to reach). */
  readonly share?: number;
  readonly rank?: number;
}

/** Calculator inputs from planning values; refuses shares that do not add up. */
export function offlineInputs(values: OfflineValues): SubnetInputs {
  const sum = values.shares.reduce((a, b) => a + b, 0) + values.ownerShare;
  if (values.shares.some((s) => !(s >= 0)) || sum > 1 + 1e-9) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The miner shares and the owner share must be fractions adding up to at most 1: ${sum}. Give each UID's incentive over the subnet's total.`,
    );
  }
  const miners = [...values.shares].sort((a, b) => b - a).map((share) => ({ uid: null, share }));
  let position: Position | undefined;
  if (values.share !== undefined)
    position = {
      kind: 'rank',
      rank: miners.filter((m) => m.share > (values.share ?? 0)).length + 1,
      share: values.share,
    };
  else if (values.rank !== undefined) position = rankPosition(miners, values.rank);
  return {
    source: 'offline',
    netuid: values.netuid,
    block: null,
    blockSeconds: values.blockSeconds,
    minerAlphaPerBlock: values.minerAlphaPerBlock,
    alphaPriceTao: values.alphaPriceTao,
    burnTao: values.burnTao ?? null,
    ownerShare: sum > 0 ? values.ownerShare : Number.NaN,
    miners,
    ...(position && { position }),
    notes: ['Offline plan: every chain figure was given by hand, none read from the chain.'],
  };
}
