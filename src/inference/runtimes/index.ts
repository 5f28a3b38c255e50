/**
 * The frozen registry of model runtimes. A cascade stage names a runtime and a capability; an unknown
 * name fails with the list of valid ones. Each runtime lives in its own folder with one `index.ts`.
 */
import { RoadworkError } from '../../core/errors/index.js';
import { concatEmbedders } from './_concat.js';
import { kserveRuntime } from './kserve/index.js';
import { onnxRuntime } from './onnx/index.js';
import { openaiRuntime } from './openai/index.js';
import { featuresRuntime } from './features/index.js';
import { ppocrRuntime } from './ppocr/index.js';
import { tfjsRuntime } from './tfjs/index.js';
import { transformersRuntime } from './transformers/index.js';
import type {
  Capability,
  ImageClassifier,
  ImageEmbedder,
  ModelRef,
  ObjectDetector,
  Runtime,
  RuntimeContext,
  TextReader,
  YesNoVlm,
} from './types.js';

export type * from './types.js';
export { concatEmbedders, concatVectors, concatVersion } from './_concat.js';
export { AUTO_WORKERS_MAX, autoIntraOpThreads, autoWorkers } from './_threads.js';

/** Every runtime, by name. Add a runtime here (one import, one entry). */
export const RUNTIMES: Readonly<Record<string, Runtime>> = Object.freeze({
  features: featuresRuntime,
  kserve: kserveRuntime,
  onnx: onnxRuntime,
  openai: openaiRuntime,
  ppocr: ppocrRuntime,
  tfjs: tfjsRuntime,
  transformers: transformersRuntime,
});

/** The runtime named `name`, or ERR_CONFIG_INVALID listing the valid names. */
export function getRuntime(name: string, registry: Readonly<Record<string, Runtime>> = RUNTIMES): Runtime {
  const runtime = Object.hasOwn(registry, name) ? registry[name] : undefined;
  if (runtime === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Unknown runtime: "${name}"; valid runtimes are ${Object.keys(registry).join(', ') || '(none)'}`,
    );
  }
  return runtime;
}

/** Whether `runtime`'s models are names a server resolves (`modelsByName`), never files here. */
export function servesByName(
  runtime: string,
  registry: Readonly<Record<string, Runtime>> = RUNTIMES,
): boolean {
  return Object.hasOwn(registry, runtime) && registry[runtime]!.modelsByName === true;
}

/** A model as a stage or a command loads it: which capability, from which runtime, with which options. */
export interface CapabilityRef extends ModelRef {
  readonly capability?: Capability;
}

/**
 * The first of `models` whose runtime squashes a non-square frame into its square input (see
 * `Runtime.squashes`), or undefined; for refusing `short-side` frames before anything loads.
 */
export function squashingModel<M extends CapabilityRef>(
  models: readonly M[],
  registry: Readonly<Record<string, Runtime>> = RUNTIMES,
): M | undefined {
  return models.find(
    (m) =>
      m.capability !== undefined &&
      Object.hasOwn(registry, m.runtime) &&
      registry[m.runtime]!.squashes?.(m.capability, m.options) === true,
  );
}

type Loaded = {
  embedder: ImageEmbedder;
  detector: ObjectDetector;
  classifier: ImageClassifier;
  reader: TextReader;
  vlm: YesNoVlm;
};

/**
 * The loader of `ref` for the capability, or ERR_CONFIG_INVALID naming the runtimes that have it;
 * loads nothing, so a caller can check every ref before a long job starts.
 */
export function modelLoader<C extends Capability>(
  capability: C,
  ref: ModelRef,
  registry: Readonly<Record<string, Runtime>> = RUNTIMES,
): (ref: ModelRef, ctx: RuntimeContext) => Promise<Loaded[C]> {
  const runtime = getRuntime(ref.runtime, registry);
  const loader = runtime[capability] as
    ((ref: ModelRef, ctx: RuntimeContext) => Promise<Loaded[C]>) | undefined;
  if (loader === undefined) {
    const able = Object.values(registry)
      .filter((r) => r[capability] !== undefined)
      .map((r) => r.name);
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Runtime "${ref.runtime}" has no ${capability}; runtimes with one: ${able.join(', ') || '(none)'}`,
    );
  }
  return loader;
}

/** Loads `ref` as the given capability, or fails naming the runtimes that have it. */
export async function loadModel<C extends Capability>(
  capability: C,
  ref: ModelRef,
  ctx: RuntimeContext,
  registry: Readonly<Record<string, Runtime>> = RUNTIMES,
): Promise<Loaded[C]> {
  return modelLoader(capability, ref, registry)(ref, ctx);
}

/**
 * Loads every backbone of `refs` (in parallel) as one embedder whose vectors are theirs side by side
 * (see `concatEmbedders`; one ref gives that embedder itself). If any fails, the loaded ones are
 * closed and the first failure is thrown.
 */
export async function loadEmbedders(
  refs: readonly ModelRef[],
  ctx: RuntimeContext,
  registry: Readonly<Record<string, Runtime>> = RUNTIMES,
): Promise<ImageEmbedder> {
  if (refs.length === 0)
    throw new RoadworkError('ERR_CONFIG_INVALID', 'No embedder given; name at least one');
  const settled = await Promise.allSettled(refs.map((ref) => loadModel('embedder', ref, ctx, registry)));
  const loaded = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(loaded.map((e) => e.close()));
    throw failed.reason;
  }
  return concatEmbedders(loaded);
}
