// How many model workers, and how many threads each onnxruntime session gets, when the settings
// leave it to the machine.
import { availableParallelism } from 'node:os';

/** Most workers `model.workers: 0` starts: each holds its own copy of every model. */
export const AUTO_WORKERS_MAX = 4;

/**
 * `configured` when it is set (> 0), else one worker per core up to AUTO_WORKERS_MAX on the CPU, and
 * one on CUDA (the GPU runs the batch; more sessions only take its memory). Measured on 2 cores
 * (bench/onnx-backbone.ts): two single-threaded workers serve a two-view challenge faster than one
 * worker with two threads, and hold throughput when challenges overlap.
 */
export function autoWorkers(
  configured: number,
  options: { device?: 'cpu' | 'cuda'; cores?: number } = {},
): number {
  if (configured > 0) return configured;
  if (options.device === 'cuda') return 1;
  return Math.max(1, Math.min(AUTO_WORKERS_MAX, options.cores ?? availableParallelism()));
}

/**
 * `configured` when it is set (> 0), else the cores divided among the workers, at least 1: one
 * worker alone uses every core for a single challenge, and several never ask for more threads than
 * there are cores (onnxruntime's spinning threads would only take turns).
 */
export function autoIntraOpThreads(workers: number, configured = 0, cores = availableParallelism()): number {
  if (configured > 0) return configured;
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}
