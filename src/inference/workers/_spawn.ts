// Finds and starts worker entry modules so the same code runs from TypeScript sources and from dist/.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Resolves a sibling worker module: `.ts` when `base` (pass `import.meta.url`) is a `.ts` file,
 * else `.js`, so tests under tsx and the built `dist/` both find it. `name` has no extension.
 */
export function resolveWorkerFile(base: string | URL, name: string): URL {
  const ext = new URL(base).pathname.endsWith('.ts') ? '.ts' : '.js';
  return new URL(`${name}${ext}`, base);
}

/** Starts a worker; TypeScript entries get tsx registered first. */
export function spawnWorker(file: URL, options: WorkerOptions): Worker {
  if (!file.pathname.endsWith('.ts')) return new Worker(file, options);
  // Node 20 loads a worker's entry before `--import tsx` hooks from execArgv take effect, so the
  // bootstrap registers tsx itself and then imports the entry. Only tests and dev runs take this path.
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file.href)}); });`;
  return new Worker(code, { ...options, eval: true, execArgv: [] });
}
