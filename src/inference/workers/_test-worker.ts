// A fixture worker for the pool tests: echoes, sleeps, spins, throws and crashes on request.
import { threadId, workerData } from 'node:worker_threads';
import { RoadworkError } from '../../core/errors/index.js';
import { serveJobs } from './_serve.js';

/** What the fixture can be told to do. */
export type FixtureJob =
  | { kind: 'echo'; value: unknown }
  | { kind: 'sleep'; ms: number }
  | { kind: 'clock' }
  | { kind: 'spin' }
  | { kind: 'sum'; bytes: ArrayBuffer }
  | { kind: 'fail' }
  | { kind: 'exit'; code: number }
  | { kind: 'throw-async' }
  /** Answers the job's remaining budget, ms, as the worker sees it. */
  | { kind: 'budget' }
  /** Refuses itself when its budget is spent, else counts a run. */
  | { kind: 'guarded' }
  /** How many `guarded` jobs ran. */
  | { kind: 'ran' };

/** Setup switches for the fixture. */
export interface FixtureData {
  readonly failSetup?: boolean;
  /** Serve jobs one at a time in arrival order (`ServeOptions.sequential`). */
  readonly sequential?: boolean;
}

serveJobs<FixtureData, FixtureJob, unknown>(
  (data) => {
    if (data?.failSetup === true)
      throw new RoadworkError('ERR_MODEL_LOAD', 'Fixture setup failed: as asked.');
    let ran = 0;
    return async (job, time) => {
      switch (job.kind) {
        case 'echo':
          return { value: job.value, threadId };
        case 'sleep':
          await new Promise((resolve) => setTimeout(resolve, job.ms));
          return threadId;
        case 'clock':
          return Date.now();
        case 'spin':
          for (;;); // wedges the thread: only terminate() ends it
        case 'sum':
          return new Uint8Array(job.bytes).reduce((a, b) => a + b, 0);
        case 'fail':
          throw new RoadworkError('ERR_MODEL_OUTPUT', 'Fixture job failed: as asked.');
        case 'exit':
          process.exit(job.code);
          break;
        case 'budget':
          return time.remainingMs();
        case 'guarded':
          time.refuseLate('Fixture job');
          return ++ran;
        case 'ran':
          return ran;
        case 'throw-async':
          setTimeout(() => {
            throw new Error('fixture uncaught error');
          }, 0);
          return new Promise(() => undefined);
      }
    };
  },
  { sequential: (workerData as FixtureData | undefined)?.sequential === true },
);
