// Embedders and classifiers served by a KServe v2 server: the onnx runtime's preprocessing and output
// reading on this side, the model run on the server.
import { createHash } from 'node:crypto';
import { systemClock } from '../../../core/clock/index.js';
import type { RgbImage } from '../../image/index.js';
import { poolEmbeddings, probabilityOf, toModelInput } from '../onnx/index.js';
import type { ImageClassifier, ImageEmbedder, ModelRef, RunOptions, RuntimeContext } from '../types.js';
import { connectV2, type V2Model } from './_client.js';
import { parseKserveOptions, type KserveOptions } from './_options.js';

interface Connected {
  readonly model: V2Model;
  readonly options: KserveOptions;
  readonly version: string;
}

async function connect(ref: ModelRef, ctx: RuntimeContext, classifier: boolean): Promise<Connected> {
  const options = parseKserveOptions(ref);
  const named = options.modelVersion === undefined ? options.name : `${options.name}@${options.modelVersion}`;
  const logger = ctx.logger.child({ runtime: 'kserve', model: named });
  const model = await connectV2(options, classifier, { logger, clock: ctx.clock ?? systemClock() });
  const { metadata, signature } = model;
  // The server, token and transport are not part of the version: the same model behind another address
  // answers the same. Its tensors, platform and our preprocessing are.
  const hash = createHash('sha256')
    .update(
      JSON.stringify({
        platform: metadata.platform,
        inputs: metadata.inputs,
        outputs: metadata.outputs,
        signature,
        mean: options.mean,
        std: options.std,
        pool: options.pool,
        dims: options.dims,
      }),
    )
    .digest('hex')
    .slice(0, 12);
  logger.info(
    {
      url: options.url,
      binary: model.binary,
      size: signature.size,
      batch: signature.fixedBatch ?? 'dynamic',
    },
    'KServe model ready',
  );
  return { model, options, version: `kserve:${named}:${hash}` };
}

/** The NCHW input of `images`, preprocessed exactly as the onnx runtime's worker does. */
function modelInput(images: readonly RgbImage[], c: Connected): Float32Array {
  const size = c.model.signature.size;
  const plane = 3 * size * size;
  const input = new Float32Array(images.length * plane);
  const norm = { mean: c.options.mean, std: c.options.std };
  images.forEach((im, i) =>
    toModelInput(im.data, im.width, im.height, size, norm, input.subarray(i * plane, (i + 1) * plane)),
  );
  return input;
}

/** Loads a backbone served by a KServe v2 server as an `ImageEmbedder`. */
export async function loadKserveEmbedder(ref: ModelRef, ctx: RuntimeContext): Promise<ImageEmbedder> {
  const c = await connect(ref, ctx, false);
  const shape = c.model.signature.outputShape;
  const last = shape[shape.length - 1]!;
  const perRequest = c.model.signature.fixedBatch ?? c.options.maxBatch;
  // [N, D] or [N, T, D] with D declared; else one run of a blank image tells the width, as the onnx
  // runtime's probe does.
  let dims = c.options.dims ?? (last > 0 ? last : undefined);
  if (dims === undefined) {
    const size = c.model.signature.size;
    try {
      const probe = await c.model.infer(new Float32Array(3 * size * size), 1, {
        deadlineMs: (ctx.clock ?? systemClock()).nowMs() + c.options.loadTimeoutMs,
      });
      dims = probe.length;
    } catch (err) {
      c.model.close();
      throw err;
    }
  }
  const width = dims;
  async function embedChunk(images: readonly RgbImage[], options: RunOptions): Promise<Float32Array[]> {
    const out = await c.model.infer(modelInput(images, c), images.length, options);
    const pooled = poolEmbeddings(out, images.length, width, c.options.pool);
    return images.map((_, i) => pooled.slice(i * width, (i + 1) * width));
  }
  return Object.freeze({
    dims: width,
    version: c.version,
    async embed(images: readonly RgbImage[], options: RunOptions): Promise<Float32Array[]> {
      const chunks: RgbImage[][] = [];
      for (let i = 0; i < images.length; i += perRequest) chunks.push(images.slice(i, i + perRequest));
      return (await Promise.all(chunks.map((chunk) => embedChunk(chunk, options)))).flat();
    },
    close: async () => c.model.close(),
  });
}

/** Loads a model served by a KServe v2 server whose one output is p(roadwork) as an `ImageClassifier`. */
export async function loadKserveClassifier(ref: ModelRef, ctx: RuntimeContext): Promise<ImageClassifier> {
  const c = await connect(ref, ctx, true);
  return Object.freeze({
    version: c.version,
    async classify(image: RgbImage, options: RunOptions): Promise<number> {
      return probabilityOf(await c.model.infer(modelInput([image], c), 1, options));
    },
    close: async () => c.model.close(),
  });
}
