// Starts a pool of tfjs worker threads and asks one for the loaded model's info.
import { RoadworkError, isRoadworkError } from '../../../core/errors/index.js';
import type { Clock } from '../../../core/clock/index.js';
import { resolveWorkerFile, type WorkerPool } from '../../workers/index.js';
import { poolMonitor } from '../_monitor.js';
import { createOrtWorkerPool } from '../onnx/index.js';
import type { RuntimeContext } from '../types.js';

/**
 * Creates `ctx.workers` workers from `file` (relative to this folder), starts them, and returns the
 * pool with the answer to an `{ kind: 'info' }` job and the clock deadlines are read on; a load failure
 * is `ERR_MODEL_LOAD` naming `model`.
 */
export async function startTfjsPool<J extends { kind: string }, A, I extends A>(
  file: string,
  options: { model: string; workerData?: unknown; isInfo: (a: A) => boolean; concurrency?: number },
  ctx: RuntimeContext,
): Promise<{ pool: WorkerPool<J, A>; info: I; clock: Clock }> {
  const monitor = poolMonitor(ctx, `tfjs:${options.model}`);
  const pool = createOrtWorkerPool<J, A>({
    file: resolveWorkerFile(import.meta.url, file),
    size: Math.max(1, ctx.workers),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.workerData === undefined ? {} : { workerData: options.workerData }),
    ...monitor,
  });
  try {
    await pool.start();
  } catch (err) {
    await pool.drain().catch(() => undefined);
    if (isRoadworkError(err)) throw err;
    throw new RoadworkError('ERR_MODEL_LOAD', `The tfjs model failed to load: ${options.model}`, {
      cause: err,
    });
  }
  const info = await pool.run({ kind: 'info' } as J);
  if (!options.isInfo(info)) {
    await pool.drain();
    throw new RoadworkError('ERR_MODEL_OUTPUT', 'tfjs worker answered info with data');
  }
  return { pool, info: info as I, clock: monitor.clock };
}
