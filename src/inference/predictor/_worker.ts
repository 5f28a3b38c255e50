// Predictor worker: owns one ONNX session; preprocesses, runs and validates one image per job.
import { RoadworkError } from '../../core/errors/index.js';
import { createOnnxSession, type Device } from '../models/index.js';
import { refuseLate, serveJobs } from '../workers/index.js';
import { toModelInput, type Normalization } from './_preprocess.js';

/** What every predictor worker is started with. */
export interface PredictorWorkerData {
  readonly modelPath: string;
  readonly device: Device;
  readonly intraOpThreads: number;
  readonly inputSize: number;
  readonly normalization: Normalization;
}

/** A job: one image (its buffer transferred) or a question about the session. */
export type PredictorJob =
  | {
      readonly kind: 'predict';
      readonly data: ArrayBuffer;
      readonly width: number;
      readonly height: number;
      readonly deadlineMs: number;
    }
  | { readonly kind: 'info' };

/** Answers: a probability, or the session's device. */
export type PredictorAnswer = number | { readonly device: Device; readonly fallbackReason?: string };

serveJobs<PredictorWorkerData, PredictorJob, PredictorAnswer>(async (data) => {
  const size = data.inputSize;
  const session = await createOnnxSession(data.modelPath, {
    device: data.device,
    intraOpThreads: data.intraOpThreads,
    warmupShape: [1, 3, size, size],
  });
  return async (job) => {
    if (job.kind === 'info') {
      return {
        device: session.device,
        ...(session.fallbackReason ? { fallbackReason: session.fallbackReason } : {}),
      };
    }
    refuseLate(job.deadlineMs, 'Prediction');
    const input = toModelInput(new Uint8Array(job.data), job.width, job.height, size, data.normalization);
    const output = await session.run(input, [1, 3, size, size]);
    const p = output[0];
    if (output.length !== 1 || p === undefined || !Number.isFinite(p) || p < 0 || p > 1) {
      throw new RoadworkError(
        'ERR_MODEL_OUTPUT',
        `Model output is not one probability in [0, 1]: ${output.length === 1 ? String(p) : `${output.length} values`}; check the model's final sigmoid.`,
      );
    }
    return p;
  };
});
