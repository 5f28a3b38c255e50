/** Time as an injected dependency, so tests can fake it. */

/** A source of wall-clock time. */
export interface Clock {
  /** Nanoseconds since the Unix epoch (Bittensor nonces use this unit; it exceeds 2^53). */
  nowNs(): bigint;
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
}

/** The real clock. `nowNs` combines the epoch with the monotonic clock for sub-millisecond precision. */
export function systemClock(): Clock {
  const originNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return Object.freeze({
    nowNs: () => originNs + process.hrtime.bigint(),
    nowMs: () => Date.now(),
  });
}

/** A clock that stands still until moved; for tests. */
export function fakeClock(startMs = 1_750_000_000_000): Clock & { advance(ms: number): void } {
  let ms = startMs;
  return {
    nowNs: () => BigInt(Math.round(ms * 1000)) * 1000n,
    nowMs: () => ms,
    advance(delta: number) {
      ms += delta;
    },
  };
}

/**
 * Races `promise` against a timer that is always cleared, so no handle outlives the race: after `ms`
 * it rejects with `onTimeout()`; an abort of `signal` rejects at once with `onAbort()` (default: the
 * signal's reason). The losing promise is left to settle on its own.
 */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => unknown,
  signal?: AbortSignal,
  onAbort: () => unknown = () => signal?.reason,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let aborted: (() => void) | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    aborted = () => reject(onAbort());
    if (signal?.aborted) aborted();
    else signal?.addEventListener('abort', aborted, { once: true });
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    if (aborted) signal?.removeEventListener('abort', aborted);
  });
}
