// What a job knows of its time inside a worker thread, and the check every model worker makes.
import { RoadworkError, type ErrorCode } from '../../core/errors/index.js';

/** A job's time budget as its worker sees it. */
export interface JobTime {
  /** Ms left before the caller stops waiting (negative once past; `Infinity` when unbounded). */
  remainingMs(): number;
  /**
   * Throws when the budget is spent: the job may have waited in a queue, and answering late earns
   * nothing, so the worker does not spend the CPU on it.
   */
  refuseLate(what: string, code?: ErrorCode): void;
}

/**
 * The budget of a job that arrived with `budgetMs` left, counted on this thread's monotonic clock
 * from `receivedAt` (`performance.now()`). The caller's own deadline is on its injected Clock, which
 * does not cross threads; a relative budget does.
 */
export function jobTime(budgetMs: number, receivedAt: number = performance.now()): JobTime {
  const endsAt = receivedAt + budgetMs;
  const remainingMs = (): number => endsAt - performance.now();
  return {
    remainingMs,
    refuseLate(what, code = 'ERR_DEADLINE_EXCEEDED') {
      const left = remainingMs();
      if (left <= 0) {
        throw new RoadworkError(
          code,
          `${what} started after its deadline: ${Math.round(-left)} ms late; dropped.`,
        );
      }
    },
  };
}
