/** The `transformers` runtime: Hugging Face-layout ONNX models run by transformers.js in worker threads. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveModelFolder } from '../../hub/index.js';
import { poolMonitor } from '../_monitor.js';
import type { Capability, ModelRef, Runtime, RuntimeContext } from '../types.js';
import { Detector, Embedder, Reader, startPool, type Loaded } from './_models.js';
import { DTYPE_SUFFIX, neededFiles, parseOptions, type Dtype, type OptionsOf } from './_options.js';
import type { WorkerData } from './_worker.js';

export type { DetectorOptions, Dtype, EmbedderOptions, Pooling, ReaderOptions } from './_options.js';

/**
 * Identifies weights and settings: a hash of the configs, the ONNX files of the chosen dtype and the
 * options, so caches and bundles never mix two models.
 */
async function versionOf(folder: string, options: object): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(options));
  const onnx = (await readdir(join(folder, 'onnx')).catch(() => [] as string[])).sort();
  const suffix = DTYPE_SUFFIX[(options as { dtype: Dtype }).dtype];
  const others = Object.values(DTYPE_SUFFIX).filter((s) => s !== '' && s !== suffix);
  const mine = (f: string): boolean => {
    const stem = f.replace(/\.onnx(_data.*)?$/, '');
    return stem !== f && stem.endsWith(suffix) && !others.some((s) => stem.endsWith(s));
  };
  const files = ['config.json', 'preprocessor_config.json', ...onnx.filter(mine).map((f) => `onnx/${f}`)];
  for (const file of files) {
    hash.update(file);
    try {
      for await (const chunk of createReadStream(join(folder, file))) hash.update(chunk as Buffer);
    } catch {
      // A file the model does not have (a missing preprocessor config) simply does not count.
    }
  }
  return `transformers:${hash.digest('hex').slice(0, 12)}`;
}

async function load<C extends keyof OptionsOf>(
  capability: C,
  ref: ModelRef,
  ctx: RuntimeContext,
): Promise<{ loaded: Loaded; version: string }> {
  const options = parseOptions(capability, ref.options);
  const folder = await resolveModelFolder(ref.model, ctx, { files: neededFiles(capability, options.dtype) });
  const data = { folder, device: ctx.device, capability, options } as WorkerData;
  const loaded = await startPool(
    data,
    Math.max(1, ctx.workers),
    poolMonitor(ctx, `transformers:${capability}:${ref.model}`),
  );
  if (loaded.info.fallbackReason !== undefined) {
    ctx.logger.warn(
      { model: ref.model, reason: loaded.info.fallbackReason },
      'transformers model runs on the CPU',
    );
  }
  return { loaded, version: await versionOf(folder, options) };
}

/**
 * The hub files a transformers model needs for `capability` with these options (configs, tokenizer
 * files, the chosen dtype's ONNX files): pass as `files` to `pullModel` to skip other variants.
 */
export function transformersFiles(
  capability: 'embedder' | 'detector' | 'reader',
  options?: Readonly<Record<string, unknown>>,
): string[] {
  return neededFiles(capability, parseOptions(capability, options).dtype);
}

/** The runtime: embedders (DINOv2/v3, ViT, SigLIP...), detectors (DETR family, YOLOS, OWL-ViT), Florence-2 OCR. */
export const transformersRuntime: Runtime = Object.freeze({
  name: 'transformers',
  description:
    'Hugging Face-layout ONNX models (config.json + onnx/) run by transformers.js in worker threads',
  embedder: async (ref: ModelRef, ctx: RuntimeContext) => {
    const { loaded, version } = await load('embedder', ref, ctx);
    return new Embedder(loaded, version);
  },
  detector: async (ref: ModelRef, ctx: RuntimeContext) => {
    const { loaded, version } = await load('detector', ref, ctx);
    return new Detector(loaded, version);
  },
  reader: async (ref: ModelRef, ctx: RuntimeContext) => {
    const { loaded, version } = await load('reader', ref, ctx);
    return new Reader(loaded, version);
  },
  hubFiles: (capability: Capability, options?: Readonly<Record<string, unknown>>) =>
    capability === 'vlm' || capability === 'classifier' ? undefined : transformersFiles(capability, options),
});
