// Stage kind `classifier`: an ONNX model that outputs p(roadwork) directly (the bundled baseline).
import { loadModel, type ImageClassifier, type ModelRef } from '../runtimes/index.js';
import { defineStage, exitFor, meanInLogOdds, readExit, type ExitRule } from './_common.js';
import type { StageKind } from './types.js';

/** Validated config of a `classifier` stage. */
export interface ClassifierConfig {
  readonly model: string;
  readonly inputSize?: number;
  readonly exit?: ExitRule;
}

/** The model as the `onnx` runtime loads it; `input_size` overrides the sidecar's and metadata's size. */
function classifierRef(config: ClassifierConfig): ModelRef {
  return {
    runtime: 'onnx',
    model: config.model,
    ...(config.inputSize === undefined ? {} : { options: { size: config.inputSize } }),
  };
}

/** A one-output ONNX classifier run by the onnx runtime's worker pool; TTA averages in log-odds. */
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
    let classifier: ImageClassifier | undefined;
    return defineStage(common, {
      async start() {
        // The stage's clock checks deadlines, as for every other part of the cascade.
        const ctx = { ...deps.runtime, clock: deps.clock };
        classifier = await loadModel('classifier', classifierRef(config), ctx, deps.runtimes);
        return `classifier:${classifier.version}`;
      },
      async run(ctx) {
        const views = common.tta ? ctx.views : [ctx.image];
        const options = { deadlineMs: ctx.deadlineMs, signal: ctx.signal };
        const ps = await Promise.all(views.map((v) => classifier!.classify(v, options)));
        const p = meanInLogOdds(ps);
        const exit = exitFor(p, config.exit);
        return { probability: p, ...(exit ? { exit } : {}), detail: { views: ps.length } };
      },
      close: async () => classifier?.close(),
    });
  },
  models: (config) => [{ role: 'classifier', ...classifierRef(config), capability: 'classifier' }],
});
