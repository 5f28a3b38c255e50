/** A bounded least-recently-used map with a time to live per entry; time comes from a `Clock`. */
import type { Clock } from '../../core/clock/index.js';

interface Slot<V> {
  readonly value: V;
  readonly expiresMs: number;
}

/** LRU over a `Map`, whose insertion order is the recency order (a hit re-inserts at the end). */
export class Lru<V> {
  readonly #map = new Map<string, Slot<V>>();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #clock: Clock;

  constructor(max: number, ttlMs: number, clock: Clock) {
    this.#max = max;
    this.#ttlMs = ttlMs;
    this.#clock = clock;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    this.#map.delete(key);
    if (slot.expiresMs <= this.#clock.nowMs()) return undefined;
    this.#map.set(key, slot);
    return slot.value;
  }

  set(key: string, value: V): void {
    if (this.#max <= 0) return;
    this.#map.delete(key);
    this.#map.set(key, { value, expiresMs: this.#clock.nowMs() + this.#ttlMs });
    // One insert overflows by at most one entry: the first key in the map is the least recent.
    if (this.#map.size > this.#max) this.#map.delete(this.#map.keys().next().value!);
  }

  clear(): void {
    this.#map.clear();
  }
}
