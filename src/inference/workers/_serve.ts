// The worker-thread side of the pool: set up once, announce readiness, then answer jobs.
import { parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import { RoadworkError } from '../../core/errors/index.js';
import { jobTime, type JobTime } from './_late.js';
import { toWireError, type FromWorker, type ToWorker } from './_messages.js';

/** Handles one job inside a worker thread; `time` is its budget (call `time.refuseLate` before heavy work). */
export type JobHandler<TJob, TResult> = (job: TJob, time: JobTime) => TResult | Promise<TResult>;

/** Options for `serveJobs`. */
export interface ServeOptions<TResult> {
  /** Buffers of a result to transfer rather than copy. Default: none. */
  readonly transferResult?: (result: TResult) => readonly TransferListItem[];
  /**
   * Runs jobs one at a time, in arrival order; a job that arrives while another runs waits here. With a
   * pool `concurrency` of 2 the next job is then already at hand when one finishes, instead of a round
   * trip through a busy main thread, and two jobs never compete for the CPU (nor does a waiting job pass
   * its deadline check early). Default false: each job starts as it arrives.
   */
  readonly sequential?: boolean;
}

/**
 * Runs inside a worker module: calls `setup(workerData)` (load models here), posts `ready`, then
 * answers each job. A setup failure is reported as `init-error` so the pool can fail `start()` with it.
 */
export function serveJobs<TData, TJob, TResult>(
  setup: (data: TData) => JobHandler<TJob, TResult> | Promise<JobHandler<TJob, TResult>>,
  options: ServeOptions<TResult> = {},
): void {
  const port = parentPort;
  if (port === null)
    throw new RoadworkError(
      'ERR_INTERNAL',
      'serveJobs() must run inside a worker thread: start it through createWorkerPool().',
    );
  const post = (message: FromWorker, transfer?: readonly TransferListItem[]): void =>
    port.postMessage(message, transfer);
  const sequential = options.sequential === true;

  Promise.resolve()
    .then(() => setup(workerData as TData))
    .then(
      (handler) => {
        // Never rejects: a result that cannot be posted (say, not cloneable) fails its job instead.
        const answer = async (message: ToWorker, time: JobTime): Promise<void> => {
          try {
            const value = await handler(message.job as TJob, time);
            post({ type: 'result', id: message.id, value }, options.transferResult?.(value));
          } catch (err) {
            post({ type: 'error', id: message.id, error: toWireError(err) });
          }
        };
        let tail = Promise.resolve();
        port.on('message', (message: ToWorker) => {
          // The budget counts from arrival, so time spent waiting behind a sequential job is spent.
          const time = jobTime(message.budgetMs);
          if (sequential) tail = tail.then(() => answer(message, time));
          else void answer(message, time);
        });
        post({ type: 'ready', sequential });
      },
      (err: unknown) => {
        post({ type: 'init-error', error: toWireError(err) });
        // Without this the idle port would keep a worker that can never serve alive.
        port.close();
      },
    );
}
