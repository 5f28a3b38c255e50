// Stage kind `ocr`: a text reader plus the keyword matcher; p from the roadwork keywords found.
import { sigmoid } from '../heads/index.js';
import { loadModel } from '../runtimes/index.js';
import type { ModelRef, TextReader } from '../runtimes/types.js';
import { countSigns, matchKeywords, ROADWORK_KEYWORDS, type Keyword } from './text/index.js';
import {
  defineStage,
  exitFor,
  readExit,
  readMap,
  readModelRef,
  type ExitRule,
  type LogisticMap,
} from './_common.js';
import type { StageKind } from './types.js';

/** Validated config of an `ocr` stage. */
export interface OcrStageConfig {
  readonly reader: ModelRef;
  readonly keywords: readonly (string | Keyword)[];
  readonly minScore: number;
  readonly map: LogisticMap;
  readonly exit?: ExitRule;
}

/**
 * Text found without any keyword is no evidence either way (most street text is shop signs), so the
 * stage then contributes nothing; each sign with a keyword raises p through the logistic map.
 */
export const ocrKind: StageKind<OcrStageConfig> = Object.freeze<StageKind<OcrStageConfig>>({
  description: 'an OCR model and roadwork keywords in any language; p from the keywords found',
  keys: ['reader', 'keywords', 'min_score', 'map', 'exit'],
  parse(r) {
    const exit = readExit(r);
    const keywords = r.has('keywords')
      ? r.list('keywords').map((k) => {
          if (typeof k.value !== 'string' || k.value.trim() === '')
            k.fail(`must be a keyword: ${JSON.stringify(k.value)}`);
          return k.value as string;
        })
      : ROADWORK_KEYWORDS;
    return {
      reader: readModelRef(r.at('reader'), 'ppocr'),
      keywords,
      minScore: r.number('min_score', 0.5, { min: 0, max: 1 }),
      map: readMap(r, 'map', { bias: 0.5, slope: 1.5 }),
      ...(exit === undefined ? {} : { exit }),
    };
  },
  create(common, config, deps) {
    let reader: TextReader | undefined;
    return defineStage(common, {
      async start() {
        reader = await loadModel('reader', config.reader, deps.runtime, deps.runtimes);
        return `ocr:${reader.version}`;
      },
      async run(ctx) {
        const lines = (
          await reader!.read(ctx.image, { deadlineMs: ctx.deadlineMs, signal: ctx.signal })
        ).filter((l) => l.score >= config.minScore);
        const matches = matchKeywords(lines, config.keywords);
        const detail = { lines: lines.length, keywords: matches.map((m) => m.keyword) };
        if (matches.length === 0) return { detail };
        // Signs, not keywords: fuzzy variants ("ROAD WORK", "ROAD WORKS") of one sign count once.
        const hits = countSigns(matches);
        const p = sigmoid(config.map.bias + config.map.slope * hits);
        const exit = exitFor(p, config.exit);
        return { probability: p, ...(exit ? { exit } : {}), detail };
      },
      close: async () => reader?.close(),
    });
  },
  models: (config) => [
    {
      role: 'reader',
      runtime: config.reader.runtime,
      model: config.reader.model,
      capability: 'reader',
      ...(config.reader.options === undefined ? {} : { options: config.reader.options }),
    },
  ],
});
