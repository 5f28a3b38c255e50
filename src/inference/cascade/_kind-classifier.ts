// Stage kind `classifier`: a model that outputs p(roadwork) directly (the bundled baseline), run by the
// onnx runtime in-process or by a runtime that serves one (kserve).
import { loadModel, type ImageClassifier, type ModelRef } from '../runtimes/index.js';
import { defineStage, exitFor, meanInLogOdds, readExit, readModelKeys, type ExitRule } from './_common.js';
import type { StageKind } from './types.js';

/** Validated config of a `classifier` stage. */
export interface ClassifierConfig {
  readonly model: string;
  /** Default `onnx`. */
  readonly runtime?: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly inputSize?: number;
  readonly exit?: ExitRule;
}

/** The model as its runtime loads it; `input_size` is the `size` option (it wins over a sidecar's). */
function classifierRef(config: ClassifierConfig): ModelRef {
  const options = {
    ...config.options,
    ...(config.inputSize === undefined ? {} : { size: config.inputSize }),
  };
  return {
    runtime: config.runtime ?? 'onnx',
    model: config.model,
    ...(Object.keys(options).length === 0 ? {} : { options }),
  };
}

/** A one-output classifier (the onnx runtime's worker pool by default); TTA averages in log-odds. */
export const classifierKind: StageKind<ClassifierConfig> = Object.freeze<StageKind<ClassifierConfig>>({
  description:
    'a model whose output is p(roadwork): an ONNX file (sidecar JSON sets size and normalisation), or one a KServe v2 server serves (runtime: kserve)',
  keys: ['model', 'runtime', 'options', 'input_size', 'exit'],
  parse(r) {
    const exit = readExit(r);
    const ref = readModelKeys(r);
    return {
      model: ref.model,
      ...(r.has('runtime') ? { runtime: ref.runtime } : {}),
      ...(ref.options === undefined ? {} : { options: ref.options }),
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
