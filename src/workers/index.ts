/** Worker threads for heavy work off the event loop: a self-managing pool and the worker-side server. */
export { createWorkerPool } from './_pool.js';
export type { PoolEvent, PoolStats, RunOptions, WorkerPool, WorkerPoolOptions } from './_types.js';
export { serveJobs, type JobHandler, type ServeOptions } from './_serve.js';
export { resolveWorkerFile } from './_spawn.js';
export { refuseLate } from './_late.js';
