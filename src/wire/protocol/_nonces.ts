// The last accepted nonce per `hotkey:uuid`, bounded so a flood of fresh uuids cannot grow it forever.

/**
 * Last accepted nonce per key (`hotkey:uuid`). When full, the least recently written key is evicted; an
 * evicted key falls back to the freshness window, as on a restarted Python axon.
 */
export class NonceStore {
  readonly #max: number;
  readonly #map = new Map<string, bigint>();

  /** `maxEntries` defaults to 100 000 keys (about 15 MB at most). */
  constructor(options: { maxEntries?: number } = {}) {
    this.#max = Math.max(1, Math.floor(options.maxEntries ?? 100_000));
  }

  /** The last accepted nonce for `key`, if remembered. */
  get(key: string): bigint | undefined {
    return this.#map.get(key);
  }

  /** Records `nonce` as the last accepted for `key`. */
  set(key: string, nonce: bigint): void {
    // Delete first so the key moves to the young end of the insertion order.
    this.#map.delete(key);
    this.#map.set(key, nonce);
    while (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value;
      if (oldest === undefined) break;
      this.#map.delete(oldest);
    }
  }

  /** Number of remembered keys. */
  get size(): number {
    return this.#map.size;
  }
}

/** The key Bittensor uses for nonce bookkeeping. */
export function nonceKey(hotkey: string, uuid: string): string {
  return `${hotkey}:${uuid}`;
}
