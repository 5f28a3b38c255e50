// Stage kind `backbone-head`: an embedder from any runtime plus a trained head; micro-batched across requests.
import { createBatcher, type MicroBatcher } from '../batching/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import {
  calibratedLogit,
  loadHead,
  openHeadScorer,
  sigmoid,
  type Head,
  type HeadScorer,
} from '../heads/index.js';
import type { RgbImage } from '../image/index.js';
import { loadEmbedders } from '../runtimes/index.js';
import type { ImageEmbedder, ModelRef } from '../runtimes/types.js';
import { defineStage, exitFor, readExit, readModelRef, type ExitRule } from './_common.js';
import type { StageKind } from './types.js';

/** Validated config of a `backbone-head` stage. */
export interface BackboneHeadConfig {
  /** One backbone, or several whose embeddings are concatenated in order (the head was trained so). */
  readonly embedders: readonly ModelRef[];
  readonly head: string;
  readonly exit?: ExitRule;
  /** `maxBatch: 1` turns batching off. */
  readonly batch: { readonly maxBatch: number; readonly maxWaitMs: number };
}

interface Item {
  readonly image: RgbImage;
  readonly deadlineMs: number;
}

interface Embedded {
  readonly embedding: Float32Array;
  readonly batch: number;
}

/** Embeds every view, averages the head's calibrated logits; exits at p ≥ high or p ≤ low. */
export const backboneHeadKind: StageKind<BackboneHeadConfig> = Object.freeze<StageKind<BackboneHeadConfig>>({
  description: 'an image embedder (any runtime) and a trained head file; exits on confident answers',
  keys: ['embedder', 'head', 'exit', 'batch'],
  parse(r) {
    const exit = readExit(r, { high: 0.88, low: 0.12 });
    let batch = { maxBatch: 16, maxWaitMs: 2 };
    if (r.has('batch')) {
      const b = r.at('batch');
      if (b.value === false) batch = { maxBatch: 1, maxWaitMs: 0 };
      else {
        b.only(['max', 'wait_ms']);
        batch = {
          maxBatch: b.number('max', 16, { min: 1, max: 1024 }),
          maxWaitMs: b.number('wait_ms', 2, { min: 0, max: 1000 }),
        };
      }
    }
    return {
      embedders: Array.isArray(r.at('embedder').value)
        ? r.list('embedder').map((e) => readModelRef(e))
        : [readModelRef(r.at('embedder'))],
      head: r.file('head'),
      ...(exit === undefined ? {} : { exit }),
      batch,
    };
  },
  create(common, config, deps) {
    let embedder: ImageEmbedder | undefined;
    let head: Head | undefined;
    let scorer: HeadScorer | undefined;
    let batcher: MicroBatcher<Item, Embedded> | undefined;
    return defineStage(common, {
      async start() {
        head = await loadHead(config.head);
        embedder = await loadEmbedders(config.embedders, deps.runtime, deps.runtimes);
        if (
          head.inputDims !== embedder.dims ||
          (head.embedder !== undefined && head.embedder !== embedder.version)
        ) {
          const [want, got] = [
            `${head.inputDims} dims, ${head.embedder ?? 'any'}`,
            `${embedder.dims} dims, ${embedder.version}`,
          ];
          await embedder.close();
          throw new RoadworkError(
            'ERR_MODEL_LOAD',
            `Head ${config.head} was trained on another embedder: expects ${want}, got ${got}; retrain the head or fix the embedder.`,
          );
        }
        const e = embedder;
        scorer = await openHeadScorer(head);
        batcher = createBatcher<Item, Embedded>({
          maxBatch: config.batch.maxBatch,
          maxWaitMs: config.batch.maxWaitMs,
          // One batch per worker plus one handed over early (the ONNX pool keeps it waiting inside a
          // worker), so the worker that finishes first need not wait for the busy event loop. More in
          // flight only makes batches smaller: measured, two per worker cost more CPU per image.
          maxInFlight: deps.runtime.workers + 1,
          workers: deps.runtime.workers,
          clock: deps.clock,
          run: async (items) => {
            const deadlineMs = Math.max(...items.map((i) => i.deadlineMs));
            const out = await e.embed(
              items.map((i) => i.image),
              { deadlineMs },
            );
            return out.map((embedding) => ({ embedding, batch: items.length }));
          },
        });
        return `backbone-head:${embedder.version}:${head.type}:${head.temperature}:${head.shift}`;
      },
      async run(ctx) {
        const views = common.tta ? ctx.views : [ctx.image];
        const results = await Promise.all(
          views.map((image) =>
            batcher!.submit(
              { image, deadlineMs: ctx.deadlineMs },
              { deadlineMs: ctx.deadlineMs, signal: ctx.signal },
            ),
          ),
        );
        const raw = await scorer!.logits(results.map((r) => r.embedding));
        const logits = raw.map((z) => calibratedLogit(head!, z));
        const p = sigmoid(logits.reduce((a, b) => a + b, 0) / logits.length);
        const exit = exitFor(p, config.exit);
        return {
          probability: p,
          ...(exit ? { exit } : {}),
          detail: { views: views.length, batch: Math.max(...results.map((r) => r.batch)), logits },
          embedding: results[0]!.embedding,
        };
      },
      async close() {
        await batcher?.close();
        await embedder?.close();
        await scorer?.close();
      },
    });
  },
  models: (config) => [
    ...config.embedders.map((e, i) => ({
      role: i === 0 ? 'embedder' : `embedder.${i}`,
      runtime: e.runtime,
      model: e.model,
      capability: 'embedder' as const,
      ...(e.options === undefined ? {} : { options: e.options }),
    })),
    { role: 'head', runtime: 'file', model: config.head },
  ],
});
