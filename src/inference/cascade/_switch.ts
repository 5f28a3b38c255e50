// A predictor whose model can be replaced while it serves: new requests go to the new one at once, and
// the old one is closed only after the predictions it already took have answered.
import { RoadworkError } from '../../core/errors/index.js';
import type { InputPolicy, RgbImage } from '../image/index.js';
import type { PredictOptions, Prediction, Predictor, PredictorStatus } from './types.js';

/** A predictor that can hand over to another without a failed request. */
export interface SwitchingPredictor extends Predictor {
  /** The predictor answering new requests now. */
  readonly active: Predictor;
  /**
   * Starts `next` (its models load and warm up while the active one keeps answering), makes it answer
   * every new request, waits for the predictions the previous one already took, then closes it.
   * When `next` fails to start, it is closed, the active one stays, and the error is thrown. Swaps run
   * one after another in call order; `close()` lets those already asked for finish, and a swap asked
   * for after it is refused (ERR_SHUTTING_DOWN) with its predictor closed.
   */
  swap(next: Predictor): Promise<void>;
}

class Switching implements SwitchingPredictor {
  #active: Predictor;
  readonly #inFlight = new Map<Predictor, number>();
  readonly #drained = new Map<Predictor, () => void>();
  #swaps: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(initial: Predictor) {
    this.#active = initial;
  }

  get active(): Predictor {
    return this.#active;
  }

  get input(): InputPolicy | undefined {
    return this.#active.input;
  }

  start(): Promise<void> {
    return this.#active.start();
  }

  async predict(image: RgbImage, options: PredictOptions): Promise<Prediction> {
    // The predictor is chosen once per request: a swap during this call does not move it.
    const p = this.#active;
    this.#inFlight.set(p, (this.#inFlight.get(p) ?? 0) + 1);
    try {
      return await p.predict(image, options);
    } finally {
      const left = (this.#inFlight.get(p) ?? 1) - 1;
      if (left === 0) {
        this.#inFlight.delete(p);
        this.#drained.get(p)?.();
      } else this.#inFlight.set(p, left);
    }
  }

  status(): PredictorStatus {
    return this.#active.status();
  }

  swap(next: Predictor): Promise<void> {
    if (this.#closed) {
      // Never started; closed all the same, so whatever it allocated is released.
      return next
        .close()
        .catch(() => undefined)
        .then(() => {
          throw new RoadworkError('ERR_SHUTTING_DOWN', 'The predictor is closed: no model is swapped in.');
        });
    }
    const run = this.#swaps.then(() => this.#swap(next));
    // A failed swap must not block the ones after it.
    this.#swaps = run.catch(() => undefined);
    return run;
  }

  async #swap(next: Predictor): Promise<void> {
    try {
      await next.start();
    } catch (err) {
      await next.close().catch(() => undefined);
      throw err;
    }
    const previous = this.#active;
    this.#active = next;
    await this.#idle(previous);
    await previous.close();
  }

  #idle(p: Predictor): Promise<void> {
    if (!this.#inFlight.has(p)) return Promise.resolve();
    return new Promise<void>((resolve) =>
      this.#drained.set(p, () => {
        this.#drained.delete(p);
        resolve();
      }),
    );
  }

  async close(): Promise<void> {
    this.#closed = true;
    // Swaps already asked for finish (each closes the predictor it replaces) before the active one closes.
    await this.#swaps;
    await this.#active.close();
  }
}

/** Wraps `initial` so that it can be replaced while serving (`swap`). */
export function switchingPredictor(initial: Predictor): SwitchingPredictor {
  return new Switching(initial);
}
