/** A metagraph read from a JSON file: for local runs, tests and operators who pin their validators. */
import { systemClock, type Clock } from '../../core/clock/index.js';
import { readMetagraphFile } from './_file.js';
import { buildMetagraph, type Metagraph, type MetagraphSource, type MetagraphStatus } from './types.js';

/** Options of {@link staticMetagraph}. */
export interface StaticMetagraphOptions {
  /** Time source for `fetchedAtMs` and `ageMs`; defaults to the system clock. */
  readonly clock?: Clock;
}

/** A `MetagraphSource` over a file, with `reload()` for a SIGHUP handler or an admin command. */
export interface StaticMetagraphSource extends MetagraphSource {
  /** Re-reads the file; on failure keeps the previous snapshot, records the error and rethrows it. */
  reload(): Promise<Metagraph>;
}

class StaticSource implements StaticMetagraphSource {
  #file: string;
  #clock: Clock;
  #snapshot: Metagraph | undefined;
  #lastError: string | undefined;

  constructor(file: string, clock: Clock) {
    this.#file = file;
    this.#clock = clock;
  }

  async start(): Promise<void> {
    await this.reload();
  }

  async reload(): Promise<Metagraph> {
    try {
      const data = await readMetagraphFile(this.#file);
      // A hand-written file has no fetch time: the snapshot is as old as its loading.
      this.#snapshot = buildMetagraph(data.netuid, data.block, data.neurons, this.#clock.nowMs());
      this.#lastError = undefined;
      return this.#snapshot;
    } catch (err) {
      this.#lastError = (err as Error).message;
      throw err;
    }
  }

  current(): Metagraph | undefined {
    return this.#snapshot;
  }

  status(): MetagraphStatus {
    const s = this.#snapshot;
    const lastError = this.#lastError === undefined ? {} : { lastError: this.#lastError };
    if (!s) return { kind: 'static', loaded: false, fresh: false, ...lastError };
    // The operator owns a static file's contents, so it never counts as stale.
    return {
      kind: 'static',
      loaded: true,
      fresh: true,
      block: s.block,
      neurons: s.neurons.length,
      ageMs: this.#clock.nowMs() - s.fetchedAtMs,
      ...lastError,
    };
  }

  async close(): Promise<void> {}
}

/** A metagraph source reading `file` (the format of docs/chain.md) once on `start()`. */
export function staticMetagraph(file: string, options: StaticMetagraphOptions = {}): StaticMetagraphSource {
  return new StaticSource(file, options.clock ?? systemClock());
}
