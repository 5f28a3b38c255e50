// A canary: a candidate model answers a fixed share of requests beside the primary one, chosen by a hash
// of the image, so a validator's repeated image always gets the same model's answer.
import type { InputPolicy, RgbImage } from '../image/index.js';
import type { PredictOptions, Prediction, Predictor, PredictorStatus } from './types.js';

/** Which side answered. */
export type CanaryArm = 'primary' | 'candidate';

/** What a canary needs. */
export interface CanaryOptions {
  readonly primary: Predictor;
  readonly candidate: Predictor;
  /** Share of requests the candidate answers, in [0, 1]. */
  readonly share: number;
  /** A stable number in [0, 1) for an image (e.g. from its perceptual hash): below `share` → candidate. */
  readonly key: (image: RgbImage) => number;
  /** Told each answer's side (per-version metrics); must not throw. */
  readonly onAnswer?: (arm: CanaryArm, prediction: Prediction) => void;
}

class Canary implements Predictor {
  readonly #o: CanaryOptions;

  constructor(options: CanaryOptions) {
    this.#o = options;
  }

  // The primary's policy decodes every request: the candidate must take the same input (a canary
  // compares models, not decoders), and the cascade fits any image to its own stages anyway.
  get input(): InputPolicy | undefined {
    return this.#o.primary.input;
  }

  /** The side `image` goes to. */
  armOf(image: RgbImage): CanaryArm {
    return this.#o.key(image) < this.#o.share ? 'candidate' : 'primary';
  }

  async start(): Promise<void> {
    await Promise.all([this.#o.primary.start(), this.#o.candidate.start()]);
  }

  async predict(image: RgbImage, options: PredictOptions): Promise<Prediction> {
    const arm = this.armOf(image);
    const prediction = await this.#o[arm].predict(image, options);
    this.#o.onAnswer?.(arm, prediction);
    return prediction;
  }

  status(): PredictorStatus {
    const p = this.#o.primary.status();
    const c = this.#o.candidate.status();
    return {
      ...p,
      ready: p.ready && c.ready,
      detail: `canary: ${c.modelVersion ?? 'candidate'} answers ${Math.round(this.#o.share * 1000) / 10} % of images${c.ready ? '' : ' (not ready)'}`,
    };
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#o.primary.close(), this.#o.candidate.close()]);
  }
}

/** A predictor sending `share` of images (by `key`) to `candidate` and the rest to `primary`. */
export function canaryPredictor(options: CanaryOptions): Predictor & { armOf(image: RgbImage): CanaryArm } {
  return new Canary(options);
}

/** A stable key in [0, 1) from a hex hash (the first 8 digits). */
export function hashShare(hex: string): number {
  const n = Number.parseInt(hex.slice(0, 8), 16);
  return Number.isFinite(n) ? n / 2 ** 32 : 0;
}
