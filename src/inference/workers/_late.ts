// The check every model worker makes before running a job.
import { RoadworkError, type ErrorCode } from '../../core/errors/index.js';

/**
 * Throws when a job starts at or after its deadline: it may have waited in a queue, and answering
 * late earns nothing, so the worker does not spend the CPU on it.
 */
export function refuseLate(
  deadlineMs: number,
  what: string,
  code: ErrorCode = 'ERR_DEADLINE_EXCEEDED',
): void {
  // Runs inside a worker thread, where no injected Clock can follow (it does not clone); the main
  // thread's runtime checks the same deadline on its Clock before it posts the job.
  const lateMs = Date.now() - deadlineMs;
  if (lateMs >= 0) {
    throw new RoadworkError(code, `${what} started after its deadline: ${lateMs} ms late; dropped.`);
  }
}
