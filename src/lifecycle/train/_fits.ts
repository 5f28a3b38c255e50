// A pool of worker threads fitting heads, so the folds of a cross-validation (and the draws of
// --repeats) fit side by side, one per core (`inProcessFits` fits in this thread).
import { availableParallelism } from 'node:os';
import { createWorkerPool, resolveWorkerFile, Semaphore } from '../../inference/workers/index.js';
import type { Head } from '../../inference/heads/index.js';
import type { ViewRow } from './_dataset.js';
import { packRows, packedBuffers, type PackedRows } from './_packed-rows.js';
import type { FitRunner, TrainConfig } from './_pipeline.js';

/** A runner with threads to release. */
export interface FitPool extends FitRunner {
  close(): Promise<void>;
}

/** One fit as it crosses to a worker: the rows packed, the config without its row lists. */
export interface FitJob {
  readonly rows: PackedRows;
  readonly extraViews?: PackedRows;
  readonly synthetic?: { readonly rows: PackedRows; readonly weight: number };
  readonly config: Omit<TrainConfig, 'extraViews' | 'synthetic'>;
}

/** `fitHead(rows, config)` as a job: only the extra views of the rows' groups travel (the only ones it uses). */
function fitJob(rows: readonly ViewRow[], config: TrainConfig): { job: FitJob; transfer: ArrayBuffer[] } {
  const { extraViews, synthetic, ...rest } = config;
  const groups = new Set(rows.map((r) => r.group));
  const extra = extraViews?.filter((r) => groups.has(r.group));
  const packed = {
    rows: packRows(rows),
    ...(extra?.length ? { extraViews: packRows(extra) } : {}),
    ...(synthetic?.rows.length
      ? { synthetic: { rows: packRows(synthetic.rows), weight: synthetic.weight } }
      : {}),
  };
  const transfer = [packed.rows, packed.extraViews, packed.synthetic?.rows].flatMap((p) =>
    p === undefined ? [] : packedBuffers(p),
  );
  return { job: { ...packed, config: rest }, transfer };
}

/** The default pool size: one worker per core, at least one. */
export function defaultFitWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Starts `size` worker threads that fit heads. At most `size` fits are packed at a time (a fit's
 * rows are copied once, when a worker is free for it), so many queued folds cost no memory.
 */
export async function openFitPool(size: number): Promise<FitPool> {
  const pool = createWorkerPool<FitJob, Head>({
    file: resolveWorkerFile(import.meta.url, './_fit-worker'),
    size,
    name: 'fits',
  });
  await pool.start();
  const slots = new Semaphore(size);
  return {
    size,
    async fit(rows, config) {
      const release = await slots.acquire();
      try {
        const { job, transfer } = fitJob(rows, config);
        return await pool.run(job, { transfer });
      } finally {
        release();
      }
    },
    close: () => pool.drain(),
  };
}
