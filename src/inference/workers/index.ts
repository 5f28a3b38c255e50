/** Heavy work off the event loop: a self-managing worker-thread pool, the worker-side server, and a semaphore that caps concurrent holders. */
export { createWorkerPool } from './_pool.js';
export type { PoolEvent, PoolStats, RunOptions, WorkerPool, WorkerPoolOptions } from './_types.js';
export { serveJobs, type JobHandler, type ServeOptions } from './_serve.js';
export { resolveWorkerFile } from './_spawn.js';
export { jobTime, type JobTime } from './_late.js';
export { Semaphore } from './_semaphore.js';
export { PoolHealth, logPoolEvents } from './_health.js';
