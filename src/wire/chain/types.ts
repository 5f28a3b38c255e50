/** The metagraph as the miner sees it, whatever the source (static file or live chain). */

/** One registered neuron of the subnet. */
export interface Neuron {
  readonly uid: number;
  /** ss58 hotkey (prefix 42). */
  readonly hotkey: string;
  /** Stake in TAO-equivalent units (alpha for dynamic-TAO subnets), a float. */
  readonly stake: number;
  readonly validatorPermit: boolean;
  /** The served axon, or null when the neuron serves none (ip 0). */
  readonly axon: { readonly ip: string; readonly port: number } | null;
}

/** A snapshot of the subnet at a block. */
export interface Metagraph {
  readonly netuid: number;
  readonly block: number;
  readonly neurons: readonly Neuron[];
  /** Neurons by hotkey, for the blacklist's O(1) lookup. */
  readonly byHotkey: ReadonlyMap<string, Neuron>;
  /** When this snapshot was taken or loaded (ms since epoch). */
  readonly fetchedAtMs: number;
}

/** Where the metagraph comes from. */
export interface MetagraphSource {
  /** Loads the first snapshot (from the source or its disk cache) and starts refreshing, if it does. */
  start(): Promise<void>;
  /** The latest good snapshot, or undefined before the first load. */
  current(): Metagraph | undefined;
  /** Readiness details for `/health/ready`. */
  status(): MetagraphStatus;
  /** Stops refreshing and releases connections. */
  close(): Promise<void>;
}

/** What `/health/ready` reports about the metagraph. */
export interface MetagraphStatus {
  readonly kind: 'static' | 'live';
  readonly loaded: boolean;
  /** True when the snapshot is younger than the staleness limit. */
  readonly fresh: boolean;
  readonly block?: number;
  readonly neurons?: number;
  readonly ageMs?: number;
  /** Share (0..1) of the miner incentive on the subnet owner's UIDs at the snapshot (live only; NaN: no incentive). */
  readonly ownerIncentiveShare?: number;
  readonly lastError?: string;
}

/** Builds a frozen `Metagraph` (with its hotkey index) from plain neurons. */
export function buildMetagraph(
  netuid: number,
  block: number,
  neurons: readonly Neuron[],
  fetchedAtMs: number,
): Metagraph {
  const frozen = Object.freeze(neurons.map((n) => Object.freeze({ ...n })));
  return Object.freeze({
    netuid,
    block,
    neurons: frozen,
    byHotkey: new Map(frozen.map((n) => [n.hotkey, n])),
    fetchedAtMs,
  });
}
