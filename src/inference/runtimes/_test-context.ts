// Test fixture: a runtime context for tests (offline, CPU, silent logger, no cache folder by default).
import { pino } from 'pino';
import type { RuntimeContext } from './types.js';

/** An offline CPU context with `workers` threads; `extra` overrides any field. */
export function testContext(workers = 1, extra: Partial<RuntimeContext> = {}): RuntimeContext {
  return {
    cacheDir: '/nonexistent',
    offline: true,
    device: 'cpu',
    workers,
    logger: pino({ level: 'silent' }),
    ...extra,
  };
}
