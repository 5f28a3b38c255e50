/** Dynamic micro-batching: concurrent single-item calls are gathered into one model run. */
import { Batcher } from './_batcher.js';
import type { BatcherOptions, MicroBatcher } from './_types.js';

export type { BatcherOptions, BatcherStats, MicroBatcher, SubmitOptions } from './_types.js';

/** Creates a micro-batcher around a batch function (e.g. a backbone run in a worker). */
export function createBatcher<I, O>(options: BatcherOptions<I, O>): MicroBatcher<I, O> {
  return new Batcher(options);
}
