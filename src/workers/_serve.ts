// The worker-thread side of the pool: set up once, announce readiness, then answer jobs.
import { parentPort, workerData, type TransferListItem } from 'node:worker_threads';
import { toWireError, type FromWorker, type ToWorker } from './_messages.js';

/** Handles one job inside a worker thread. */
export type JobHandler<TJob, TResult> = (job: TJob) => TResult | Promise<TResult>;

/** Options for `serveJobs`. */
export interface ServeOptions<TResult> {
  /** Buffers of a result to transfer rather than copy. Default: none. */
  readonly transferResult?: (result: TResult) => readonly TransferListItem[];
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
    throw new Error('serveJobs() must run inside a worker thread: start it through createWorkerPool().');
  const post = (message: FromWorker, transfer?: readonly TransferListItem[]): void =>
    port.postMessage(message, transfer);

  Promise.resolve()
    .then(() => setup(workerData as TData))
    .then(
      (handler) => {
        port.on('message', (message: ToWorker) => {
          Promise.resolve()
            .then(() => handler(message.job as TJob))
            .then(
              (value) => post({ type: 'result', id: message.id, value }, options.transferResult?.(value)),
              (err: unknown) => post({ type: 'error', id: message.id, error: toWireError(err) }),
            );
        });
        post({ type: 'ready' });
      },
      (err: unknown) => {
        post({ type: 'init-error', error: toWireError(err) });
        // Without this the idle port would keep a worker that can never serve alive.
        port.close();
      },
    );
}
