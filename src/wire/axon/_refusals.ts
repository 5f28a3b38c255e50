/**
 * Refused requests, told to the operator at info level without letting a flood flood the log: the
 * first refusal of each code is logged at once (with its caller and reason), later ones of that code
 * are counted and summarised at most once per interval.
 */
import type { Clock } from '../../core/clock/index.js';
import type { Logger } from '../../core/log/index.js';

interface Tally {
  count: number;
  readonly callers: Set<string>;
  status: number;
  message: string;
  /** When this code was last written to the log (its first line or a summary). */
  loggedMs: number;
}

/** Callers remembered per code between summaries (the count stays exact past it). */
const MAX_CALLERS = 20;

/** Options of `RefusalLog`. */
export interface RefusalLogOptions {
  /** At most one line per code per interval; default 60 s. */
  readonly intervalMs?: number;
}

/** Counts refusals by error code and logs them rate-limited. */
export class RefusalLog {
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #tallies = new Map<string, Tally>();
  #timer: NodeJS.Timeout | undefined;

  constructor(logger: Logger, clock: Clock, options: RefusalLogOptions = {}) {
    this.#logger = logger;
    this.#clock = clock;
    this.#intervalMs = options.intervalMs ?? 60_000;
  }

  /** Records one refusal; logs it at once when its code was quiet for an interval. */
  note(code: string, status: number, caller: string, message: string): void {
    const now = this.#clock.nowMs();
    const tally = this.#tallies.get(code);
    if (tally === undefined || now - tally.loggedMs >= this.#intervalMs) {
      if (tally !== undefined && tally.count > 0) this.#summarise(code, tally);
      this.#logger.info(
        { code, status, caller: caller || undefined, reason: message },
        `Refused a request: ${code}`,
      );
      this.#tallies.set(code, { count: 0, callers: new Set(), status, message, loggedMs: now });
      return;
    }
    tally.count++;
    tally.status = status;
    tally.message = message;
    if (caller !== '' && tally.callers.size < MAX_CALLERS) tally.callers.add(caller);
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, this.#intervalMs).unref();
  }

  /** Writes one summary line per code with refusals not yet logged. */
  flush(): void {
    for (const [code, tally] of this.#tallies) if (tally.count > 0) this.#summarise(code, tally);
  }

  /** Flushes and stops the timer. */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.flush();
  }

  #summarise(code: string, tally: Tally): void {
    this.#logger.info(
      {
        code,
        status: tally.status,
        count: tally.count,
        callers: [...tally.callers],
        reason: tally.message,
      },
      `Refused ${tally.count} more request(s): ${code}`,
    );
    tally.count = 0;
    tally.callers.clear();
    tally.loggedMs = this.#clock.nowMs();
  }
}
