// Transformers worker: one transformers.js pipeline per thread, loaded from a local folder only.
import { env, LogLevel, pipeline, RawImage, type Tensor } from '@huggingface/transformers';
import { RoadworkError } from '../../../core/errors/index.js';
import { serveJobs } from '../../workers/index.js';
import type { Detection, TextLine } from '../types.js';
import { embeddings, l2Normalize } from './_pooling.js';
import { combineTiles } from '../_tiles.js';
import { cropWindow, tileWindows } from '../../image/index.js';
import type { OptionsOf } from './_options.js';
import { loadReader, readText } from './_florence.js';

/** What every worker starts with. */
export type WorkerData = {
  readonly folder: string;
  readonly device: 'cpu' | 'cuda';
} & (
  | { readonly capability: 'embedder'; readonly options: OptionsOf['embedder'] }
  | { readonly capability: 'detector'; readonly options: OptionsOf['detector'] }
  | { readonly capability: 'reader'; readonly options: OptionsOf['reader'] }
);

/** One image, its buffer transferred. */
export interface WireImage {
  readonly data: ArrayBuffer;
  readonly width: number;
  readonly height: number;
}

/** Jobs a worker answers. */
export type Job =
  | { readonly kind: 'info' }
  | { readonly kind: 'embed'; readonly images: readonly WireImage[] }
  | { readonly kind: 'detect'; readonly image: WireImage }
  | { readonly kind: 'read'; readonly image: WireImage };

/** What the model turned out to be, learned at warm-up. */
export interface Info {
  readonly device: 'cpu' | 'cuda';
  readonly fallbackReason?: string;
  readonly dims?: number;
  readonly labels?: readonly string[];
}

/** Answers by job kind. */
export type Answer = Info | Float32Array[] | Detection[] | TextLine[];

// Loose views of the pipeline objects: transformers.js types its pipelines per task string only.
type Outputs = Record<string, Tensor | undefined>;
interface FeaturePipe {
  processor: (images: RawImage[]) => Promise<{ pixel_values: Tensor }>;
  model: ((inputs: { pixel_values: Tensor }) => Promise<Outputs>) & { config: Record<string, unknown> };
}
type Box = { xmin: number; ymin: number; xmax: number; ymax: number };
type Found = { score: number; label: string; box: Box }[];
interface DetectPipe {
  (image: RawImage, ...args: unknown[]): Promise<Found>;
  model: { config: { id2label?: Record<string, string> } };
}

/**
 * `tiles`: every image cut into square windows along its longer side, all embedded in one pass, each
 * image's tiles combined into its embedding (max under `pooling: max`, else the mean).
 */
async function embedTiles(
  images: readonly WireImage[],
  options: OptionsOf['embedder'],
  embedAll: (images: readonly WireImage[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const perImage = images.map((img) => {
    const rgb = { data: new Uint8Array(img.data), width: img.width, height: img.height };
    return tileWindows(img.width, img.height, options.tiles!).map((w) => cropWindow(rgb, w));
  });
  const flat = await embedAll(
    perImage.flat().map((t) => ({ data: t.data.buffer as ArrayBuffer, width: t.width, height: t.height })),
  );
  let first = 0;
  return perImage.map((tiles) => {
    const e = combineTiles(
      flat.slice(first, (first += tiles.length)),
      options.pooling === 'max' ? 'max' : 'avg',
    );
    if (options.normalize) l2Normalize(e);
    return e;
  });
}

function toRaw(image: WireImage): RawImage {
  return new RawImage(new Uint8Array(image.data), image.width, image.height, 3);
}

async function load<T>(task: string, data: WorkerData, device: 'cpu' | 'cuda'): Promise<T> {
  return (await pipeline(task as 'image-feature-extraction', data.folder, {
    local_files_only: true,
    device,
    dtype: data.options.dtype,
    session_options: { intraOpNumThreads: data.options.intraOpThreads, interOpNumThreads: 1 },
  })) as unknown as T;
}

/** Loads on the asked device; CUDA that fails falls back to the CPU with the reason kept. */
async function loadOnDevice<T>(
  data: WorkerData,
  loader: (device: 'cpu' | 'cuda') => Promise<T>,
): Promise<{ value: T; info: Info }> {
  if (data.device === 'cpu') return { value: await loader('cpu'), info: { device: 'cpu' } };
  try {
    return { value: await loader('cuda'), info: { device: 'cuda' } };
  } catch (err) {
    return {
      value: await loader('cpu'),
      info: { device: 'cpu', fallbackReason: `CUDA unavailable: ${String(err)}` },
    };
  }
}

serveJobs<WorkerData, Job, Answer>(
  async (data) => {
    // Remote loading stays off: src/inference/hub fetched (or found) every file before any worker started.
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.useFSCache = false;
    env.useBrowserCache = false;
    env.logLevel = LogLevel.ERROR;
    const blank = { data: new Uint8Array(32 * 32 * 3).fill(128).buffer, width: 32, height: 32 };
    try {
      if (data.capability === 'embedder') {
        const { value: pipe, info } = await loadOnDevice(data, (d) =>
          load<FeaturePipe>('image-feature-extraction', data, d),
        );
        const embedAll = async (images: readonly WireImage[]): Promise<Float32Array[]> => {
          const out: Float32Array[] = [];
          for (let i = 0; i < images.length; i += data.options.batchSize) {
            const { pixel_values } = await pipe.processor(
              images.slice(i, i + data.options.batchSize).map(toRaw),
            );
            out.push(...embeddings(await pipe.model({ pixel_values }), pipe.model.config, data.options));
          }
          return out;
        };
        const run = (images: readonly WireImage[]): Promise<Float32Array[]> =>
          data.options.tiles === undefined ? embedAll(images) : embedTiles(images, data.options, embedAll);
        const dims = (await run([blank]))[0]!.length;
        return async (job, time) => {
          if (job.kind === 'info') return { ...info, dims };
          if (job.kind !== 'embed') throw wrongJob('Embedder', job.kind);
          time.refuseLate('Model job');
          return run(job.images);
        };
      }
      if (data.capability === 'detector') {
        const { queries, threshold } = data.options;
        const task = queries === undefined ? 'object-detection' : 'zero-shot-object-detection';
        const { value: pipe, info } = await loadOnDevice(data, (d) => load<DetectPipe>(task, data, d));
        const id2label = pipe.model.config.id2label ?? {};
        const labels =
          queries ??
          Object.entries(id2label)
            .sort(([a], [b]) => Number(a) - Number(b))
            .map(([, name]) => name);
        const run = async (image: WireImage): Promise<Detection[]> => {
          const options = { threshold, percentage: true };
          const found = await (queries === undefined
            ? pipe(toRaw(image), options)
            : pipe(toRaw(image), queries, options));
          // Relative boxes scaled here keep sub-pixel precision the pipeline's integer boxes lose.
          return found.map(({ score, label, box }) => ({
            label,
            score,
            box: [
              box.xmin * image.width,
              box.ymin * image.height,
              box.xmax * image.width,
              box.ymax * image.height,
            ] as const,
          }));
        };
        await run(blank);
        return async (job, time) => {
          if (job.kind === 'info') return { ...info, labels };
          if (job.kind !== 'detect') throw wrongJob('Detector', job.kind);
          time.refuseLate('Model job');
          return run(job.image);
        };
      }
      const options = data.options;
      const { value: reader, info } = await loadOnDevice(data, (d) => loadReader(data.folder, options, d));
      // Two new tokens run every session, the decoder with and without its cache: a broken folder fails here.
      await readText(reader, toRaw(blank), { ...options, maxNewTokens: 2 });
      return async (job, time) => {
        if (job.kind === 'info') return info;
        if (job.kind !== 'read') throw wrongJob('Reader', job.kind);
        time.refuseLate('Model job');
        return readText(reader, toRaw(job.image), { ...options, remainingMs: time.remainingMs });
      };
    } catch (err) {
      if (err instanceof RoadworkError) throw err;
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `transformers.js could not load the ${data.capability}: ${data.folder} (${String(err)}); check the folder holds config.json, preprocessor_config.json and onnx/ for dtype ${data.options.dtype}.`,
        { cause: err },
      );
    }
  },
  {
    transferResult: (answer) =>
      Array.isArray(answer) && answer[0] instanceof Float32Array
        ? (answer as Float32Array[]).map((a) => a.buffer as ArrayBuffer)
        : [],
  },
);

// The pool sends each worker only its own kind of job; another kind is a bug in the main thread.
function wrongJob(worker: string, kind: string): RoadworkError {
  return new RoadworkError(
    'ERR_INTERNAL',
    `${worker} worker got a ${kind} job; send it ${worker.toLowerCase()} jobs only.`,
  );
}
