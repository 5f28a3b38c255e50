// ONNX runtime worker: owns one session; embeds batches of images, detects objects in one image, or
// classifies one image (a model whose one output is p(roadwork)).
import { RoadworkError } from '../../../core/errors/index.js';
import { serveJobs } from '../../workers/index.js';
import type { Detection } from '../types.js';
import { poolEmbeddings, probabilityOf } from './_outputs.js';
import { toModelInput, type Normalization } from './_preprocess.js';
import { createOnnxSession, type Device } from './_session.js';
import { decodeYolo, inferLayout } from './_yolo.js';

/** What each worker starts with. */
export interface OnnxWorkerData {
  readonly capability: 'embedder' | 'detector' | 'classifier';
  readonly modelPath: string;
  readonly device: Device;
  readonly threads: number;
  readonly size: number;
  readonly normalization: Normalization;
  /** Embedders: width D of the output's last axis, if known; else the whole per-image output. */
  readonly dims?: number;
  readonly pool: 'mean' | 'cls';
  readonly labels: readonly string[];
  readonly layout?: 'v8' | 'v5';
  readonly confidence: number;
  readonly iou: number;
  readonly maxDetections: number;
  /** The graph's declared output shape (dynamic axes undefined). */
  readonly outputShape: readonly (number | undefined)[];
}

/** One image, its buffer transferred. */
export interface WireImage {
  readonly data: ArrayBuffer;
  readonly width: number;
  readonly height: number;
}

/** Jobs a worker answers. */
export type OnnxJob =
  | { readonly kind: 'embed'; readonly images: readonly WireImage[] }
  | { readonly kind: 'detect'; readonly image: WireImage }
  | { readonly kind: 'classify'; readonly image: WireImage }
  | { readonly kind: 'probe' };

/** Answers: embeddings (N×D, flat), detections, a probability, or the probe's facts. */
export type OnnxAnswer =
  | { readonly kind: 'embeddings'; readonly dims: number; readonly data: Float32Array }
  | { readonly kind: 'detections'; readonly detections: Detection[] }
  | { readonly kind: 'probability'; readonly probability: number }
  | {
      readonly kind: 'probe';
      readonly device: Device;
      readonly fallbackReason?: string;
      readonly perImage: number;
    };

serveJobs<OnnxWorkerData, OnnxJob, OnnxAnswer>(
  async (data) => {
    const size = data.size;
    const session = await createOnnxSession(data.modelPath, {
      device: data.device,
      intraOpThreads: data.threads,
    });
    const zero = new Float32Array(3 * size * size);
    const perImage = (await session.run(zero, [1, 3, size, size])).length;
    const shape = data.outputShape;
    const dims = data.dims ?? (shape.length === 3 && shape[2] !== undefined ? shape[2] : perImage);
    const layout = data.layout ?? inferLayout(perImage, data.labels.length, shape);
    if (data.capability === 'detector' && layout === undefined) {
      await session.release();
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `Detector output layout cannot be inferred: ${perImage} values per image for ${data.labels.length} classes; set the layout option (v8 or v5).`,
      );
    }
    // One input buffer, grown to the largest batch seen and reused: jobs run one at a time (sequential),
    // and the run has read it by the time it resolves. Fresh megabyte-sized arrays per batch cost page
    // faults and garbage-collector work on every image.
    let batchInput = new Float32Array(0);

    return async (job, time) => {
      if (job.kind === 'probe') {
        return {
          kind: 'probe',
          device: session.device,
          ...(session.fallbackReason ? { fallbackReason: session.fallbackReason } : {}),
          perImage,
        };
      }
      time.refuseLate('Model run');
      if (job.kind === 'embed') return embed(job.images);
      if (job.kind === 'classify') return classify(job.image);
      return detect(job.image);
    };

    /** Preprocesses one image and runs the model on it, a batch of one. */
    async function runOne(image: WireImage): Promise<Float32Array> {
      const input = toModelInput(
        new Uint8Array(image.data),
        image.width,
        image.height,
        size,
        data.normalization,
      );
      return session.run(input, [1, 3, size, size]);
    }

    async function classify(image: WireImage): Promise<OnnxAnswer> {
      return { kind: 'probability', probability: probabilityOf(await runOne(image)) };
    }

    async function embed(images: readonly WireImage[]): Promise<OnnxAnswer> {
      const n = images.length;
      const plane = 3 * size * size;
      if (batchInput.length < n * plane) batchInput = new Float32Array(n * plane);
      const input = batchInput.subarray(0, n * plane);
      images.forEach((im, i) =>
        toModelInput(
          new Uint8Array(im.data),
          im.width,
          im.height,
          size,
          data.normalization,
          input.subarray(i * plane, (i + 1) * plane),
        ),
      );
      const out = await session.run(input, [n, 3, size, size]);
      return { kind: 'embeddings', dims, data: poolEmbeddings(out, n, dims, data.pool) };
    }

    async function detect(image: WireImage): Promise<OnnxAnswer> {
      const out = await runOne(image);
      const detections = decodeYolo(out, {
        layout: layout!,
        labels: data.labels,
        confidence: data.confidence,
        iou: data.iou,
        maxDetections: data.maxDetections,
        scaleX: image.width / size,
        scaleY: image.height / size,
        width: image.width,
        height: image.height,
      });
      return { kind: 'detections', detections };
    }
  },
  {
    transferResult: (r) => (r.kind === 'embeddings' ? [r.data.buffer as ArrayBuffer] : []),
    // With the pool's concurrency of 2 (_models.ts), the next job waits here while one runs.
    sequential: true,
  },
);
