/**
 * Who counts as senior at intake (step 4): the validators that, taken from the largest stake down,
 * together hold most of the validator stake. Their weights decide most of a miner's incentive, so
 * `limits.body_bytes_reserved_share` of the body-byte budget is kept for them.
 */
import type { Metagraph } from '../chain/types.js';

/** Share of all validator stake that the senior validators hold together. */
export const SENIOR_STAKE_MASS = 0.9;

const floors = new WeakMap<Metagraph, number>();

/**
 * The smallest stake among the senior validators of `metagraph` (validator-permit neurons; every
 * neuron when none holds a permit), computed once per snapshot; 0 (everyone) when no neuron has stake.
 */
export function seniorStakeFloor(metagraph: Metagraph): number {
  const known = floors.get(metagraph);
  if (known !== undefined) return known;
  const permitted = metagraph.neurons.filter((n) => n.validatorPermit);
  const stakes = (permitted.length > 0 ? permitted : metagraph.neurons)
    .map((n) => n.stake)
    .filter((s) => s > 0)
    .sort((a, b) => b - a);
  const total = stakes.reduce((sum, s) => sum + s, 0);
  let floor = 0;
  for (let i = 0, held = 0; i < stakes.length && held < SENIOR_STAKE_MASS * total; i++) {
    held += stakes[i]!;
    floor = stakes[i]!;
  }
  floors.set(metagraph, floor);
  return floor;
}

/**
 * Whether a caller with `stake` is senior. Without a metagraph (strangers allowed before it loads)
 * nobody can be told apart, so everyone is.
 */
export function isSenior(stake: number, metagraph: Metagraph | undefined): boolean {
  return metagraph === undefined || stake >= seniorStakeFloor(metagraph);
}
