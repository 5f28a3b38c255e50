// Which worker pools can serve right now, for readiness; and one way to log what pools go through.
import type { Logger } from 'pino';
import type { PoolEvent, PoolStats } from './_types.js';

/** A board of running pools: readiness reads it, so a miner whose workers are all down says so. */
export class PoolHealth {
  readonly #pools = new Map<number, { readonly name: string; readonly stats: () => PoolStats }>();
  #next = 0;

  /** Registers a pool; call the result when it closes. */
  watch(name: string, stats: () => PoolStats): () => void {
    const id = this.#next++;
    this.#pools.set(id, { name, stats });
    return () => this.#pools.delete(id);
  }

  /** Names of started, open pools with no worker ready to take a job. */
  down(): string[] {
    const out: string[] = [];
    for (const { name, stats } of this.#pools.values()) {
      const s = stats();
      if (s.started && !s.closed && s.ready === 0) out.push(name);
    }
    return out;
  }

  /** Started, open pools with their ready workers and restarts, for `/metrics` (`Metrics.watchPools`). */
  list(): { readonly name: string; readonly ready: number; readonly restarts: number }[] {
    const out: { name: string; ready: number; restarts: number }[] = [];
    for (const { name, stats } of this.#pools.values()) {
      const s = stats();
      if (s.started && !s.closed) out.push({ name, ready: s.ready, restarts: s.restarts });
    }
    return out;
  }
}

/** An `onEvent` that logs crashes with their cause, restarts and cool-downs under `name`. */
export function logPoolEvents(logger: Logger, name: string): (event: PoolEvent) => void {
  return (event) => {
    if (event.type === 'crash')
      logger.error(
        { pool: name, slot: event.slot, err: event.error, failedJobs: event.failedJobs },
        'Worker crashed',
      );
    else if (event.type === 'restart')
      logger.warn({ pool: name, slot: event.slot, delayMs: event.delayMs }, 'Worker restarting');
    else
      logger.error(
        { pool: name, slot: event.slot, restarts: event.restarts, delayMs: event.delayMs },
        'Worker keeps crashing; cooling down before the next restart',
      );
  };
}
