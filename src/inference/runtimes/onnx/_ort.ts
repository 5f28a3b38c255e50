// The two ways onnxruntime starts in this process: a session in this thread, or workers that open them.
import { InferenceSession } from 'onnxruntime-node';
import { createWorkerPool, type WorkerPool, type WorkerPoolOptions } from '../../workers/index.js';
import { optOutOfOnnxTelemetry } from './_telemetry.js';

/**
 * Opens an onnxruntime session in this thread. Every session here starts through this function or
 * from a worker of `createOrtWorkerPool`, so the telemetry opt-out comes before onnxruntime's first
 * session whichever starts first (in a worker the opt-out changes nothing: its pool set it).
 */
export function openOrtSession(
  bytes: Uint8Array,
  options: InferenceSession.SessionOptions,
): Promise<InferenceSession> {
  optOutOfOnnxTelemetry();
  return InferenceSession.create(bytes, options);
}

/**
 * A worker pool whose workers open onnxruntime sessions (the onnx, tfjs, ppocr and transformers
 * runtimes). The opt-out must happen here, in the main thread, before the first worker starts: a
 * worker's `process.env` is its own copy, which onnxruntime's native code never reads.
 */
export function createOrtWorkerPool<TJob, TResult>(options: WorkerPoolOptions): WorkerPool<TJob, TResult> {
  optOutOfOnnxTelemetry();
  return createWorkerPool<TJob, TResult>(options);
}
