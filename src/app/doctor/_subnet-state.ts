/**
 * Check 6: is there anything to earn? Upstream halted subnet 72 on 2026-05-06: validators send no
 * challenges and put all weight on the owner's UID, so its incentive is all there is and miners' emission
 * is burned. Read from the chain, not assumed: incentive concentrated on the owner's UID (or on nobody).
 */
import { ownerIncentiveShare, ownerUids as ownedUids } from '../../wire/chain/index.js';
import type { SubnetSnapshot } from './_subnet.js';
import { BURN_SHARE } from '../../wire/chain/index.js';
import { result, type CheckResult } from './_types.js';

export { BURN_SHARE };

/** The numbers the check judges by. */
export interface SubnetState {
  /**
   * The owner's UIDs as the chain counts them (wire/chain's `ownerUids`): the owner hotkey's
   * (`SubnetOwnerHotkey`) and every hotkey of the owner's coldkey (`SubnetOwner`); empty when unknown.
   */
  readonly ownerUids: readonly number[];
  /** Fraction of all incentive on the owner's UIDs; undefined when no uid has any. */
  readonly ownerShare: number | undefined;
  /** UIDs other than the owner's with incentive above zero. */
  readonly earners: number;
  /** Emission per tempo (α): to every uid, to the owner's, and to earning uids other than the owner's. */
  readonly emission: { readonly total: number; readonly owner: number; readonly miners: number };
  readonly halted: boolean;
  /** The hotkey's own numbers, when it holds a uid. */
  readonly mine?: {
    readonly uid: number;
    readonly incentive: number;
    readonly rank?: number;
    readonly emission: number;
  };
}

/** Computes the state of the subnet as the hotkey sees it. */
export function subnetState(snapshot: SubnetSnapshot, hotkey: string | undefined): SubnetState {
  const owner = { hotkey: snapshot.ownerHotkey, coldkey: snapshot.ownerColdkey };
  const owned = ownedUids(snapshot.neurons, owner);
  const ownerUids = [...owned].sort((a, b) => a - b);
  const isOwner = (uid: number) => owned.has(uid);
  const sum = (f: (n: SubnetSnapshot['neurons'][number]) => number, keep = (_uid: number) => true) =>
    snapshot.neurons.filter((n) => keep(n.uid)).reduce((s, n) => s + f(n), 0);
  const share = ownerIncentiveShare(snapshot.neurons, owner);
  const ownerShare = Number.isNaN(share) ? undefined : share;
  const earning = snapshot.neurons.filter((n) => n.incentive > 0 && !isOwner(n.uid));
  const own = hotkey === undefined ? undefined : snapshot.neurons.find((n) => n.hotkey === hotkey);
  return {
    ownerUids,
    ownerShare,
    earners: earning.length,
    emission: {
      total: sum((n) => n.emission),
      owner: sum((n) => n.emission, isOwner),
      miners: earning.reduce((s, n) => s + n.emission, 0),
    },
    halted: ownerShare === undefined || ownerShare >= BURN_SHARE,
    ...(own
      ? {
          mine: {
            uid: own.uid,
            incentive: own.incentive,
            ...(own.rank === undefined ? {} : { rank: own.rank }),
            emission: own.emission,
          },
        }
      : {}),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const alpha = (x: number) => `${x.toFixed(4)} α`;

function yours(state: SubnetState, hotkey: string | undefined): string {
  const m = state.mine;
  if (!m) return hotkey === undefined ? 'No hotkey loaded to look up.' : 'Your hotkey holds no uid.';
  const rank = m.rank === undefined ? '' : `, rank ${m.rank.toFixed(5)}`;
  return `Your uid ${m.uid}: incentive ${m.incentive.toFixed(5)}${rank}, emission ${alpha(m.emission)} per tempo.`;
}

/** Judges the subnet; `halted` comes back for the traffic check. */
export async function checkSubnetState(
  snapshot: SubnetSnapshot,
  hotkey: string | undefined,
): Promise<{ check: CheckResult; halted: boolean }> {
  const state = subnetState(snapshot, hotkey);
  const owner =
    state.ownerUids.length > 0
      ? `the owner's UID${state.ownerUids.length > 1 ? 's' : ''} ${state.ownerUids.join(', ')}`
      : snapshot.ownerHotkey === undefined
        ? "the owner's UID (unknown: the node did not return SubnetOwnerHotkey)"
        : `the owner's hotkey ${snapshot.ownerHotkey} (which holds no uid)`;
  const data = {
    block: snapshot.block,
    ownerHotkey: snapshot.ownerHotkey ?? null,
    ownerColdkey: snapshot.ownerColdkey ?? null,
    ...state,
  };
  const flows = `emission to miners ${alpha(state.emission.miners)} per tempo (owner's UID${state.ownerUids.length > 1 ? 's' : ''} ${alpha(state.emission.owner)}, all uids ${alpha(state.emission.total)})`;
  if (state.halted) {
    const why =
      state.ownerShare === undefined
        ? 'no uid has any incentive'
        : `${pct(state.ownerShare)} of the incentive sits on ${owner}, ${state.earners} other uids earn any`;
    return {
      halted: true,
      check: result(
        'subnet',
        'fail',
        `The subnet is halted/burning: mining earns nothing now. At block ${snapshot.block} ${why}; ${flows}. ${yours(state, hotkey)}`,
        {
          fix:
            'Do not pay for GPUs while it lasts: stop or scale down the miner (keeping the hotkey registered is ' +
            "the coldkey owner's call) and run roadwork doctor again to see incentive leave the owner's UID.",
          data,
        },
      ),
    };
  }
  const holds = state.ownerUids.length > 1 ? 'hold' : 'holds';
  const share = state.ownerShare === undefined ? '' : `; ${owner} ${holds} ${pct(state.ownerShare)}`;
  const message = `${state.earners} uids earn incentive${share}; ${flows}. ${yours(state, hotkey)}`;
  if (state.mine && state.mine.incentive === 0) {
    return {
      halted: false,
      check: result('subnet', 'warn', message, {
        fix:
          'Others earn and you do not: check the traffic check and the model; a new registration needs a few ' +
          'tempos of answers before its incentive shows.',
        data,
      }),
    };
  }
  return { halted: false, check: result('subnet', 'ok', message, { data }) };
}
