// Test fixture: a runtime context for tests (offline, CPU, silent logger, no cache folder by default),
// and a temporary folder for the model files a test writes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Runs `fn` in a fresh temporary folder, removed afterwards whatever happens. */
export async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'runtime-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
