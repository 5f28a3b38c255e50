// Stage kind `classifier`: an ONNX model that outputs p(roadwork) directly (the bundled baseline).
import { createOnnxPredictor } from '../predictor/index.js';
import type { Predictor } from '../predictor/types.js';
import { defineStage, exitFor, meanInLogOdds, readExit, type ExitRule } from './_common.js';
import type { StageKind } from './types.js';

/** Validated config of a `classifier` stage. */
export interface ClassifierConfig {
  readonly model: string;
  readonly inputSize?: number;
  readonly exit?: ExitRule;
}

/** A one-output ONNX classifier run by the ONNX predictor's worker pool; TTA averages in log-odds. */
export const classifierKind: StageKind<ClassifierConfig> = Object.freeze<StageKind<ClassifierConfig>>({
  description: 'an ONNX model whose output is p(roadwork) (sidecar JSON sets size and normalisation)',
  keys: ['model', 'input_size', 'exit'],
  parse(r) {
    const exit = readExit(r);
    return {
      model: r.file('model'),
      ...(r.has('input_size') ? { inputSize: r.number('input_size', undefined, { min: 8 }) } : {}),
      ...(exit === undefined ? {} : { exit }),
    };
  },
  create(common, config, deps) {
    let predictor: Predictor | undefined;
    return defineStage(common, {
      async start() {
        predictor = createOnnxPredictor({
          modelPath: config.model,
          workers: deps.runtime.workers,
          device: deps.runtime.device,
          clock: deps.clock,
          ...(config.inputSize === undefined ? {} : { inputSize: config.inputSize }),
          onEvent: (event) =>
            deps.logger.warn({ event: event.type, model: config.model }, 'Classifier worker event'),
        });
        await predictor.start();
        const status = predictor.status();
        if (status.detail?.startsWith('CUDA'))
          deps.logger.warn({ reason: status.detail }, 'Classifier on CPU');
        return `classifier:${status.modelVersion ?? 'unknown'}`;
      },
      async run(ctx) {
        const views = common.tta ? ctx.views : [ctx.image];
        const options = { deadlineMs: ctx.deadlineMs, signal: ctx.signal };
        const ps = await Promise.all(
          views.map(async (v) => (await predictor!.predict(v, options)).probability),
        );
        const p = meanInLogOdds(ps);
        const exit = exitFor(p, config.exit);
        return { probability: p, ...(exit ? { exit } : {}), detail: { views: ps.length } };
      },
      close: async () => predictor?.close(),
    });
  },
  models: (config) => [{ role: 'classifier', runtime: 'onnx', model: config.model }],
});
