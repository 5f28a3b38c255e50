// Stage kind `vlm`: a vision-language model asked a yes/no question; p is the probability of "yes".
import { loadModel } from '../runtimes/index.js';
import type { ModelRef, YesNoVlm } from '../runtimes/types.js';
import { defineStage, exitFor, readExit, readModelRef, type ExitRule } from './_common.js';
import type { StageKind } from './types.js';

/** The default question: plain, and answerable with one token. */
export const DEFAULT_QUESTION =
  'Is there road work or construction (cones, barriers, work-zone signs, workers or machinery) on or beside the road in this image? Answer yes or no.';

/** Validated config of a `vlm` stage. */
export interface VlmStageConfig {
  readonly vlm: ModelRef;
  readonly question: string;
  readonly exit?: ExitRule;
}

/** p = pYes from the model's token probabilities. */
export const vlmKind: StageKind<VlmStageConfig> = Object.freeze<StageKind<VlmStageConfig>>({
  description: 'a yes/no vision-language model (e.g. behind an OpenAI-compatible server); p = p(yes)',
  keys: ['vlm', 'question', 'exit'],
  parse(r) {
    const exit = readExit(r);
    return {
      vlm: readModelRef(r.at('vlm'), 'openai'),
      question: r.string('question', DEFAULT_QUESTION),
      ...(exit === undefined ? {} : { exit }),
    };
  },
  create(common, config, deps) {
    let vlm: YesNoVlm | undefined;
    return defineStage(common, {
      async start() {
        vlm = await loadModel('vlm', config.vlm, deps.runtime, deps.runtimes);
        return `vlm:${vlm.version}`;
      },
      async run(ctx) {
        const answer = await vlm!.askYesNo(ctx.image, config.question, {
          deadlineMs: ctx.deadlineMs,
          signal: ctx.signal,
        });
        const exit = exitFor(answer.pYes, config.exit);
        return { probability: answer.pYes, ...(exit ? { exit } : {}), detail: { answer: answer.answer } };
      },
      close: async () => vlm?.close(),
    });
  },
  models: (config) => [
    { role: 'vlm', runtime: config.vlm.runtime, model: config.vlm.model, capability: 'vlm' },
  ],
});
