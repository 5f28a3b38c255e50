// How many threads one onnxruntime session gets when the settings leave it to the machine.
import { availableParallelism } from 'node:os';

/**
 * `configured` when it is set (> 0), else the cores divided among the workers, at least 1: one
 * worker alone uses every core for a single challenge, and several never ask for more threads than
 * there are cores (onnxruntime's spinning threads would only take turns).
 */
export function autoIntraOpThreads(workers: number, configured = 0, cores = availableParallelism()): number {
  if (configured > 0) return configured;
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}
