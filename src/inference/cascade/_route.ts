// A routed cascade: one whole cascade per source-image size, so 2.0.4's 224² challenges and 0.4's
// source-size photos each meet the model trained on their kind of image, decoded the way it was trained.
import { createHash } from 'node:crypto';
import { routeIndex, type RgbImage, type SizeRoutedPolicy } from '../image/index.js';
import type { CascadeRoute } from './_config.js';
import type { CascadePredictor } from './_predictor.js';
import type { PredictOptions, Prediction, PredictorStatus, Stage } from './types.js';

/** The cascade predictor over routes; `version()` covers every route. */
export class RoutedPredictor implements CascadePredictor {
  readonly stages: readonly Stage[];
  readonly input: SizeRoutedPolicy;
  readonly #routes: readonly { readonly maxSide: number; readonly predictor: CascadePredictor }[];
  #version: string | undefined;

  constructor(routes: readonly CascadeRoute[], built: readonly CascadePredictor[]) {
    this.#routes = routes.map((r, i) => ({ maxSide: r.maxSide, predictor: built[i]! }));
    this.stages = built.flatMap((p) => p.stages);
    this.input = Object.freeze({
      routes: routes.map((r) => Object.freeze({ maxSide: r.maxSide, policy: r.config.preprocess })),
    });
  }

  version(): string | undefined {
    return this.#version;
  }

  async start(): Promise<void> {
    const started = await Promise.allSettled(this.#routes.map((r) => r.predictor.start()));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) {
      await Promise.allSettled(this.#routes.map((r) => r.predictor.close()));
      throw failed.reason;
    }
    const parts = this.#routes.map((r) => `${r.maxSide}:${r.predictor.version()}`);
    this.#version = `cascade:${createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 12)}`;
  }

  /**
   * Routes by the size the image arrived at (`source`, set by the decoder), or by its own size when
   * it was made in memory; answers carry the routed cascade's version, stages name their route.
   */
  async predict(image: RgbImage, options: PredictOptions): Promise<Prediction> {
    const size = image.source ?? image;
    const route = this.#routes[routeIndex(this.input, size.width, size.height)]!;
    const prediction = await route.predictor.predict(image, options);
    return { ...prediction, modelVersion: this.#version ?? prediction.modelVersion };
  }

  status(): PredictorStatus {
    const each = this.#routes.map((r) => r.predictor.status());
    const sides = this.#routes.map(
      (r, i) =>
        `${Number.isFinite(r.maxSide) ? `≤${r.maxSide} px` : 'larger'}: ${each[i]!.detail ?? (each[i]!.ready ? 'ready' : 'not ready')}`,
    );
    return {
      ready: this.#version !== undefined && each.every((s) => s.ready),
      ...(this.#version === undefined ? {} : { modelVersion: this.#version }),
      detail: `routed by image size; ${sides.join('; ')}`,
    };
  }

  async close(): Promise<void> {
    this.#version = undefined;
    await Promise.allSettled(this.#routes.map((r) => r.predictor.close()));
  }
}
