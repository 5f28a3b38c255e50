// tfjs embedder worker on the ONNX engine: the converted graph on onnxruntime, tfjs's input preparation.
import { extrasDims, putExtras, type ExtraName } from '../../features/index.js';
import { createOnnxSession, type Device } from '../onnx/index.js';
import { RoadworkError } from '../../../core/errors/index.js';
import { serveJobs } from '../../workers/index.js';
import { tfjsInput } from './_pixels.js';
import { combineTiles } from '../_tiles.js';
import { tileWindows, type Region } from '../../image/index.js';
import type { TfjsAnswer, TfjsJob } from './_worker.js';

/** What each worker starts with; the version is computed once in the main thread. */
export interface TfjsOnnxWorkerData {
  readonly source: string | Uint8Array;
  readonly inputSize: number;
  readonly inputRange: readonly [number, number];
  /** Backbone width, before extras. */
  readonly dims: number;
  /** Hand-made features appended after the backbone's, in order. */
  readonly extras: readonly ExtraName[];
  /** Square tiles per frame and how their pooled outputs combine (`TfjsModelSpec.tiles`); unset: none. */
  readonly tiles?: { readonly count: number; readonly pooling: 'avg' | 'max' };
  readonly version: string;
  readonly threads: number;
  /** onnxruntime's intra-op spinning; unset = the session default. */
  readonly allowSpinning?: boolean;
  readonly device: Device;
}

serveJobs<TfjsOnnxWorkerData, TfjsJob, TfjsAnswer>(
  async (data) => {
    const size = data.inputSize;
    const plane = 3 * size * size;
    const session = await createOnnxSession(data.source, {
      device: data.device,
      intraOpThreads: data.threads,
      ...(data.allowSpinning === undefined ? {} : { allowSpinning: data.allowSpinning }),
      warmupShape: [1, 3, size, size],
    });
    const dims = data.dims + extrasDims(data.extras);
    // One input buffer, grown to the largest batch and reused: jobs run one at a time (sequential).
    let input = new Float32Array(0);
    return async (job, time) => {
      if (job.kind === 'info') {
        return {
          dims,
          inputSize: size,
          version: data.version,
          ...(session.fallbackReason === undefined ? {} : { note: session.fallbackReason }),
        };
      }
      time.refuseLate('Embedding');
      const images = job.images.map((i) => ({
        data: new Uint8Array(i.data),
        width: i.width,
        height: i.height,
      }));
      // Each image is one network input, or one per tile (square windows along its longer side).
      const regions: Region[][] = images.map((img) =>
        data.tiles === undefined
          ? [{ x: 0, y: 0, width: img.width, height: img.height }]
          : tileWindows(img.width, img.height, data.tiles.count).map((w) => ({
              x: w.x,
              y: w.y,
              width: w.side,
              height: w.side,
            })),
      );
      const n = regions.reduce((sum, r) => sum + r.length, 0);
      if (input.length < n * plane) input = new Float32Array(n * plane);
      let k = 0;
      images.forEach((img, i) => {
        for (const region of regions[i]!) {
          tfjsInput(img, size, data.inputRange, input.subarray(k * plane, (k + 1) * plane), region);
          k++;
        }
      });
      const out = await session.run(input.subarray(0, n * plane), [n, 3, size, size]);
      if (out.length !== n * data.dims) {
        throw new RoadworkError(
          'ERR_MODEL_OUTPUT',
          `The converted tfjs graph gave ${out.length} values for ${n} images of ${data.dims}; delete its cached graph`,
        );
      }
      let first = 0;
      return images.map((img, i) => {
        const count = regions[i]!.length;
        const pooled = Array.from({ length: count }, (_, t) =>
          out.subarray((first + t) * data.dims, (first + t + 1) * data.dims),
        );
        first += count;
        const e = new Float32Array(dims);
        e.set(data.tiles === undefined ? pooled[0]! : combineTiles(pooled, data.tiles.pooling));
        putExtras(data.extras, img, e, data.dims);
        return e;
      });
    };
  },
  {
    transferResult: (r) => (Array.isArray(r) ? r.map((a) => a.buffer as ArrayBuffer) : []),
    // With the pool's concurrency of 2 the next job waits here while one runs (see src/inference/workers).
    sequential: true,
  },
);
