// tfjs detector worker: one wasm backend (single-threaded) and one CenterNet per worker thread.
import { serveJobs } from '../../workers/index.js';
import { loadCenterNet } from './_centernet.js';

/** A job: one packed-RGB image (buffer transferred), or a question about the model. */
export type TfjsDetectJob =
  | {
      readonly kind: 'detect';
      readonly image: { data: ArrayBuffer; width: number; height: number };
    }
  | { readonly kind: 'info' };

/** Answers: raw detection rows (see `CENTERNET_ROW`), or the model's input size and version. */
export type TfjsDetectAnswer = Float32Array | { inputSize: number; version: string };

serveJobs<unknown, TfjsDetectJob, TfjsDetectAnswer>(
  async () => {
    const net = await loadCenterNet();
    return (job, time) => {
      if (job.kind === 'info') return { inputSize: net.inputSize, version: net.version };
      time.refuseLate('Detection');
      const { data, width, height } = job.image;
      return net.run({ data: new Uint8Array(data), width, height });
    };
  },
  { transferResult: (r) => (r instanceof Float32Array ? [r.buffer as ArrayBuffer] : []) },
);
