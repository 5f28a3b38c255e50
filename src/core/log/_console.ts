/** Routes libraries' console output through the logger, so a long-running command logs only JSON lines. */
import { format } from 'node:util';
import type { Logger } from 'pino';

type Method = 'debug' | 'info' | 'log' | 'warn' | 'error' | 'trace';
type Level = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: Readonly<Record<Method, Level>> = Object.freeze({
  debug: 'debug',
  trace: 'debug',
  info: 'info',
  log: 'info',
  warn: 'warn',
  error: 'error',
});

// @polkadot/util's logger prints `console.error('2026-05-06 10:00:00', '         API-WS:', message)`.
const POLKADOT_DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const POLKADOT_ORIGIN = /^ *([A-Z0-9/_-]+):$/;

/**
 * Replaces the console's methods with ones that write to `logger`; returns a function that puts the
 * originals back. polkadot-js lines keep their origin (`{lib: 'polkadot', origin: 'api-ws'}`) and its
 * errors become warnings: the websocket reconnects by itself, and the chain code reports what matters.
 */
export function routeConsole(logger: Logger): () => void {
  const saved = new Map<Method, (...args: unknown[]) => void>();
  for (const method of Object.keys(LEVELS) as Method[]) {
    saved.set(method, console[method]);
    console[method] = (...args: unknown[]) => {
      const origin = polkadotOrigin(args);
      if (origin !== undefined) {
        const level = LEVELS[method] === 'error' ? 'warn' : LEVELS[method];
        logger[level]({ lib: 'polkadot', origin }, format(...args.slice(2)));
      } else logger[LEVELS[method]]({ lib: 'console' }, format(...args));
    };
  }
  return () => {
    for (const [method, original] of saved) console[method] = original;
  };
}

function polkadotOrigin(args: readonly unknown[]): string | undefined {
  const [date, origin] = args;
  if (typeof date !== 'string' || typeof origin !== 'string' || !POLKADOT_DATE.test(date)) return undefined;
  return POLKADOT_ORIGIN.exec(origin)?.[1]?.toLowerCase();
}
