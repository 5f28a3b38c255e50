// Test helper: a root logger (createLogger, redaction and all) that writes its JSON lines into memory.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from './index.js';

/** A logger at `level` (default debug) and the lines it has written so far, parsed. */
export function memoryLogger(options: { level?: string; name?: string } = { level: 'debug' }): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
} {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger(options, sink);
  return {
    logger,
    lines: () =>
      text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
