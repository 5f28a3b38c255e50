// tfjs embedder worker on the wasm engine: one wasm backend (single-threaded) and one model per worker thread.
import { extrasDims, extrasVersion, putExtras } from '../../features/index.js';
import { serveJobs } from '../../workers/index.js';
import type { PackedImage } from '../_slices.js';
import { loadTfjsFeatures } from './_model.js';
import type { TfjsModelSpec } from './_spec.js';

/** A job: a batch of packed-RGB images (buffers transferred), or a question about the model. */
export type TfjsJob =
  | {
      readonly kind: 'embed';
      readonly images: readonly PackedImage[];
    }
  | { readonly kind: 'info' };

/** Answers: embeddings in order, or the model's shape and version (and a note for the log). */
export type TfjsAnswer = Float32Array[] | { dims: number; inputSize: number; version: string; note?: string };

serveJobs<TfjsModelSpec, TfjsJob, TfjsAnswer>(
  async (spec) => {
    const features = await loadTfjsFeatures(spec);
    const extras = spec.extras ?? [];
    const dims = features.dims + extrasDims(extras);
    const version = `${features.version}${extrasVersion(extras)}`;
    return (job, time) => {
      if (job.kind === 'info') return { dims, inputSize: features.inputSize, version };
      time.refuseLate('Embedding');
      const images = job.images.map((i) => ({
        data: new Uint8Array(i.data),
        width: i.width,
        height: i.height,
      }));
      const embeddings = features.embed(images);
      if (extras.length === 0) return embeddings;
      return embeddings.map((e, i) => {
        const out = new Float32Array(dims);
        out.set(e);
        putExtras(extras, images[i]!, out, e.length);
        return out;
      });
    };
  },
  { transferResult: (r) => (Array.isArray(r) ? r.map((a) => a.buffer as ArrayBuffer) : []) },
);
