// A counting semaphore whose waiters give up when their signal aborts (a deadline, a gone caller).

/** Caps concurrent holders; `acquire` resolves to the release function. */
export class Semaphore {
  readonly #max: number;
  #held = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(max: number) {
    this.#max = max;
  }

  /** Holders now, for tests and metrics. */
  get held(): number {
    return this.#held;
  }

  /** Waits for a slot; rejects with the signal's reason if it aborts first. Call the result once. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#held < this.#max) {
      this.#held++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#held++;
        resolve(this.#releaser());
      };
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(grant);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      this.#waiters.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#held--;
      this.#waiters.shift()?.();
    };
  }
}
