/** What the ROI calculator takes in (chain facts or planning flags, and costs) and what it reports. */

import type { SubnetEconomics } from '../../wire/chain/index.js';

/** The raw chain readings behind a chain-sourced report (everything but the per-UID rows). */
export type ChainReadings = Omit<SubnetEconomics, 'neurons'>;

/** One miner UID's share of the subnet's miner incentive (its incentive over the sum of all UIDs'). */
export interface MinerShare {
  readonly uid: number | null;
  readonly hotkey?: string;
  readonly share: number;
}

/** The subnet as the calculator needs it; from the chain (`fromChain`) or from flags (`offlineInputs`). */
export interface SubnetInputs {
  readonly source: 'chain' | 'offline';
  readonly netuid: number;
  /** The block read, null offline. */
  readonly block: number | null;
  readonly blockSeconds: number;
  /**
   * Alpha that reaches the subnet's miners per block, before it is split by incentive: from the chain,
   * mechanism 0's part (the incentive read is mechanism 0's).
   */
  readonly minerAlphaPerBlock: number;
  /** TAO per alpha. */
  readonly alphaPriceTao: number;
  /** TAO burned to register a UID now; null when not known. */
  readonly burnTao: number | null;
  /** Share (0..1) of miner incentive on the owner's UIDs, which the chain burns; NaN when no UID has any. */
  readonly ownerShare: number;
  /** Every miner UID's share, highest first: UIDs of neither the owner nor an active validator. */
  readonly miners: readonly MinerShare[];
  /** The position to price, when a hotkey or rank was asked for. */
  readonly position?: Position;
  /** What was read from the chain, for the JSON and the explanation; absent offline. */
  readonly chain?: ChainReadings;
  /** Things the operator should know about the numbers (several mechanisms, a recycled owner cut, ...). */
  readonly notes: readonly string[];
}

/** Where the operator sits or would sit. */
export type Position =
  | {
      readonly kind: 'hotkey';
      readonly hotkey: string;
      readonly uid: number;
      readonly share: number;
      readonly rank: number | null;
    }
  | { readonly kind: 'unregistered'; readonly hotkey: string }
  | { readonly kind: 'rank'; readonly rank: number; readonly share: number };

/** The operator's costs, from flags or the config file (`roi.*`). */
export interface Costs {
  readonly gpuUsdPerHour: number;
  readonly otherUsdPerMonth: number;
  /** USD per TAO; null when neither given nor fetched (USD columns are then unknown). */
  readonly taoUsd: number | null;
  /** Where `taoUsd` came from: a flag/setting, the price feed (its URL), or nowhere. */
  readonly taoUsdSource: string;
}

/** Earnings over a period in each unit; `usd` null without a TAO price. */
export interface Amounts {
  readonly alpha: number;
  readonly tao: number;
  readonly usd: number | null;
}

/** One priced row: the operator's position or a scenario of the current distribution. */
export interface RoiRow {
  readonly name: string;
  readonly uid: number | null;
  /** Rank among miner UIDs, 1 = highest incentive. */
  readonly rank: number | null;
  readonly share: number;
  readonly perDay: Amounts;
  readonly per30Days: Amounts;
  /** Earnings minus costs per day, USD; null without a TAO price. */
  readonly profitUsdPerDay: number | null;
  /** The GPU price per hour at which this row earns exactly its costs; null without a TAO price. */
  readonly breakEvenGpuUsdPerHour: number | null;
}

/** Whether miners are paid at all. */
export interface Verdict {
  readonly state: 'paying' | 'burning' | 'no-incentive';
  readonly ownerShare: number;
  readonly text: string;
}

/** The whole answer of `roadwork roi`. */
export interface RoiReport {
  readonly version: 1;
  readonly subnet: Omit<SubnetInputs, 'miners' | 'position' | 'notes'>;
  readonly costs: Costs & { readonly usdPerDay: number };
  readonly verdict: Verdict;
  readonly blocksPerDay: number;
  /** The operator's position first (when asked), then top 1, top 10 %, median, bottom quartile. */
  readonly rows: readonly RoiRow[];
  /** Every miner UID's share, highest first (the chart's bars). */
  readonly distribution: readonly number[];
  readonly notes: readonly string[];
}
