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
import { headInputs, headOffset } from './_head-input.js';
import type { ConfigReader, StageKind } from './types.js';

/** Validated config of a `backbone-head` stage. */
export interface BackboneHeadConfig {
  /** One backbone, or several whose embeddings are concatenated in order (heads on all, or on one). */
  readonly embedders: readonly ModelRef[];
  /**
   * One head, or an ensemble of heads (other seeds of the views, other recipes): the mean of their
   * calibrated logits per view. Each head was trained on the whole embedding or, with several
   * embedders, on one of them (`headOffset`).
   */
  readonly heads: readonly string[];
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
      heads: Array.isArray(r.at('head').value) ? readHeadList(r) : [r.file('head')],
      ...(exit === undefined ? {} : { exit }),
      batch,
    };
  },
  create(common, config, deps) {
    let embedder: ImageEmbedder | undefined;
    let heads: readonly Head[] = [];
    let offsets: readonly number[] = [];
    let scorers: HeadScorer[] = [];
    let batcher: MicroBatcher<Item, Embedded> | undefined;
    return defineStage(common, {
      async start() {
        heads = await Promise.all(config.heads.map((file) => loadHead(file)));
        const e = await loadEmbedders(config.embedders, deps.runtime, deps.runtimes);
        const placed = heads.map((h) => headOffset(h, e));
        const misfit = placed.indexOf(undefined);
        if (misfit >= 0) {
          const head = heads[misfit]!;
          const [want, got] = [
            `${head.inputDims} dims, ${head.embedder ?? 'any'}`,
            `${e.dims} dims, ${e.version}`,
          ];
          await e.close();
          throw new RoadworkError(
            'ERR_MODEL_LOAD',
            `Head ${config.heads[misfit]} was trained on another embedder: expects ${want}, got ${got}; retrain the head or fix the embedder.`,
          );
        }
        offsets = placed as number[];
        embedder = e;
        scorers = await Promise.all(heads.map((h) => openHeadScorer(h)));
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
        const parts = heads.map((h) => `${h.type}:${h.temperature}:${h.shift}`);
        return `backbone-head:${e.version}:${parts.join('+')}`;
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
        const embeddings = results.map((r) => r.embedding);
        // Per view, the mean over the heads of their calibrated logits (one head: its own).
        const perHead = await Promise.all(
          scorers.map((s, k) =>
            s.logits(headInputs(embeddings, offsets[k]!, heads[k]!.inputDims, embedder!.dims)),
          ),
        );
        const logits = embeddings.map(
          (_, v) =>
            perHead.reduce((sum, zs, k) => sum + calibratedLogit(heads[k]!, zs[v]!), 0) / heads.length,
        );
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
        await Promise.all(scorers.map((s) => s.close()));
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
    ...config.heads.map((h, i) => ({ role: i === 0 ? 'head' : `head.${i}`, runtime: 'file', model: h })),
  ],
});

/** `head: [a.json, b.json]`: at least two files, each resolved against the config. */
function readHeadList(r: ConfigReader): string[] {
  const list = r.at('head');
  const n = (list.value as unknown[]).length;
  if (n < 2) list.fail(`must be one file, or a list of at least two: ${JSON.stringify(list.value)}`);
  return Array.from({ length: n }, (_, i) => list.file(i));
}
