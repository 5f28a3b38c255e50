/** The ROI arithmetic: a share of the miners' alpha per block, priced, against the operator's costs. */
import type { Amounts, Costs, MinerShare, RoiReport, RoiRow, SubnetInputs, Verdict } from './types.js';

const SECONDS_PER_DAY = 86_400;
/** A month of `other costs` is taken as 30 days, the same period as the 30-day columns. */
const DAYS_PER_MONTH = 30;
/**
 * From this share of the miner incentive on the owner's UIDs the subnet is called burning: the
 * halt of May 2026 put all of it there; a healthy subnet's owner holds a few percent at most.
 */
export const BURNING_OWNER_SHARE = 0.9;

/** The share at quantile `q` (0..1) of `shares` by nearest rank; 0 for no miners. */
export function quantileShare(shares: readonly number[], q: number): { share: number; rank: number | null } {
  if (shares.length === 0) return { share: 0, rank: null };
  const ascending = [...shares].sort((a, b) => a - b);
  const index = Math.min(ascending.length - 1, Math.max(0, Math.ceil(q * ascending.length) - 1));
  const share = ascending[index] ?? 0;
  // Rank among miners, highest first: how many hold strictly more, plus one.
  return { share, rank: shares.filter((s) => s > share).length + 1 };
}

/** Says in words whether miners are paid, from the owner's share of the incentive. */
export function verdictOf(ownerShare: number): Verdict {
  const pct = `${(ownerShare * 100).toFixed(1)} %`;
  if (Number.isNaN(ownerShare)) {
    return {
      state: 'no-incentive',
      ownerShare,
      text: 'No UID holds any miner incentive (validators set no weights that count): mining earns nothing now.',
    };
  }
  if (ownerShare >= BURNING_OWNER_SHARE) {
    return {
      state: 'burning',
      ownerShare,
      text:
        `The subnet is halted or burning: ${pct} of the miner incentive is on the subnet owner's UID, ` +
        'where the chain burns it. Mining earns nothing while this lasts; do not pay for a GPU for it.',
    };
  }
  return {
    state: 'paying',
    ownerShare,
    text: `Miners are paid: ${pct} of the miner incentive is on the owner's UID, the rest on miners.`,
  };
}

function amounts(alpha: number, subnet: SubnetInputs, costs: Costs): Amounts {
  const tao = alpha * subnet.alphaPriceTao;
  return { alpha, tao, usd: costs.taoUsd === null ? null : tao * costs.taoUsd };
}

function scale(a: Amounts, k: number): Amounts {
  return { alpha: a.alpha * k, tao: a.tao * k, usd: a.usd === null ? null : a.usd * k };
}

/**
 * One priced position. `paid` is false while the subnet burns or sets no weights: the row keeps its
 * share of the incentive as the chain (or the plan) holds it, and earns 0, as the verdict says.
 */
function row(
  name: string,
  at: { uid: number | null; rank: number | null; share: number },
  subnet: SubnetInputs,
  costs: Costs,
  paid: boolean,
): RoiRow {
  const blocksPerDay = SECONDS_PER_DAY / subnet.blockSeconds;
  const earned = paid ? at.share : 0;
  const perDay = amounts(subnet.minerAlphaPerBlock * blocksPerDay * earned, subnet, costs);
  const otherPerDay = costs.otherUsdPerMonth / DAYS_PER_MONTH;
  const costPerDay = costs.gpuUsdPerHour * 24 + otherPerDay;
  return {
    name,
    ...at,
    perDay,
    per30Days: scale(perDay, 30),
    profitUsdPerDay: perDay.usd === null ? null : perDay.usd - costPerDay,
    breakEvenGpuUsdPerHour: perDay.usd === null ? null : (perDay.usd - otherPerDay) / 24,
  };
}

function positionRow(
  subnet: SubnetInputs,
  costs: Costs,
  paid: boolean,
  uidAt: (rank: number | null) => number | null,
): RoiRow[] {
  const p = subnet.position;
  if (!p || p.kind === 'unregistered') return [];
  if (p.kind === 'rank')
    return [row(`rank ${p.rank}`, { uid: uidAt(p.rank), rank: p.rank, share: p.share }, subnet, costs, paid)];
  return [row('your hotkey', { uid: p.uid, rank: p.rank, share: p.share }, subnet, costs, paid)];
}

/** Prices the operator's position and the scenarios of the current miner incentive distribution. */
export function estimateRoi(subnet: SubnetInputs, costs: Costs): RoiReport {
  const shares = subnet.miners.map((m: MinerShare) => m.share);
  const uidAt = (rank: number | null): number | null =>
    rank === null ? null : (subnet.miners[rank - 1]?.uid ?? null);
  const verdict = verdictOf(subnet.ownerShare);
  const paid = verdict.state === 'paying';
  const scenario = (name: string, q: number): RoiRow => {
    const { share, rank } = quantileShare(shares, q);
    return row(name, { uid: uidAt(rank), rank, share }, subnet, costs, paid);
  };
  const notes = [...subnet.notes];
  if (!paid)
    notes.push(
      'Every row earns 0 while the verdict stands; the shares shown are those the chain (or the plan) holds now.',
    );
  if (subnet.position?.kind === 'unregistered') {
    const burn = subnet.burnTao === null ? '' : ` Registering costs ${subnet.burnTao} TAO (burned) now.`;
    notes.push(
      `The hotkey ${subnet.position.hotkey} is not registered on subnet ${subnet.netuid}: it earns nothing.${burn}`,
    );
  }
  const { miners: _m, position: _p, notes: _n, ...described } = subnet;
  return {
    version: 1,
    subnet: described,
    costs: { ...costs, usdPerDay: costs.gpuUsdPerHour * 24 + costs.otherUsdPerMonth / DAYS_PER_MONTH },
    verdict,
    blocksPerDay: SECONDS_PER_DAY / subnet.blockSeconds,
    rows: [
      ...positionRow(subnet, costs, paid, uidAt),
      scenario('top 1', 1),
      scenario('top 10 %', 0.9),
      scenario('median', 0.5),
      scenario('bottom quartile', 0.25),
    ],
    distribution: shares,
    notes,
  };
}
