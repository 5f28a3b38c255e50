/** The root logger: structured JSON (pino), secrets redacted by path; everything else takes a child. */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';
export { routeConsole } from './_console.js';

/** Paths whose values never reach a log line. */
export const REDACT_PATHS = Object.freeze([
  'signature',
  '*.signature',
  'headers.bt_header_dendrite_signature',
  'req.headers.bt_header_dendrite_signature',
  'secret',
  '*.secret',
  'mnemonic',
  '*.mnemonic',
  'secretPhrase',
  'secretSeed',
  'privateKey',
  'image',
  '*.image',
]);

/** Creates the one root logger of a process. */
export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name: options.name ?? 'roadwork',
      level: options.level ?? 'info',
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      base: { pid: process.pid },
    },
    destination ?? pino.destination({ dest: 2, sync: false }),
  );
}

/** A logger that drops everything (tests, library defaults). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
