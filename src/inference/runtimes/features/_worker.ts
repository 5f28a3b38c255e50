// Hand-made features worker: computes the named feature sets of each image, off the event loop.
import { extrasDims, putExtras, type ExtraName } from '../../features/index.js';
import { serveJobs } from '../../workers/index.js';
import type { PackedImage } from '../_slices.js';

/** What every worker is started with: the feature sets, in order. */
export interface FeaturesWorkerData {
  readonly names: readonly ExtraName[];
}

/** A job: a batch of packed-RGB images (buffers transferred). */
export interface FeaturesJob {
  readonly images: readonly PackedImage[];
}

serveJobs<FeaturesWorkerData, FeaturesJob, Float32Array[]>(
  ({ names }) => {
    const dims = extrasDims(names);
    return (job, time) => {
      time.refuseLate('Feature extraction');
      return job.images.map((i) => {
        const out = new Float32Array(dims);
        putExtras(names, { data: new Uint8Array(i.data), width: i.width, height: i.height }, out, 0);
        return out;
      });
    };
  },
  { transferResult: (r) => r.map((a) => a.buffer as ArrayBuffer) },
);
