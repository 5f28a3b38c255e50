// Pool tests against a real fixture worker that sleeps, spins, throws and crashes on request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError, type ErrorCode } from '../errors/index.js';
import { createWorkerPool, resolveWorkerFile, type PoolEvent, type WorkerPoolOptions } from './index.js';
import type { FixtureJob } from './_test-worker.js';

const file = resolveWorkerFile(import.meta.url, './_test-worker');

function pool(options: Partial<WorkerPoolOptions> = {}) {
  return createWorkerPool<FixtureJob, unknown>({ file, restartBackoffMs: 10, ...options });
}

function hasCode(code: ErrorCode) {
  return (err: unknown): boolean => {
    assert.ok(isRoadworkError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  };
}

test('resolveWorkerFile() picks the extension of the calling module', () => {
  assert.match(resolveWorkerFile('file:///app/src/x/index.ts', './_w').href, /\/src\/x\/_w\.ts$/);
  assert.match(resolveWorkerFile('file:///app/dist/x/index.js', './_w').href, /\/dist\/x\/_w\.js$/);
});

test('run() answers jobs and moves transferred buffers to the worker', { timeout: 20_000 }, async () => {
  const p = pool();
  await p.start();
  try {
    assert.deepEqual(((await p.run({ kind: 'echo', value: [1, 'a'] })) as { value: unknown }).value, [
      1,
      'a',
    ]);
    const bytes = new Uint8Array([1, 2, 3, 250]).buffer;
    assert.equal(await p.run({ kind: 'sum', bytes }, { transfer: [bytes] }), 256);
    assert.equal(bytes.byteLength, 0, 'the buffer was transferred, not copied');
    await assert.rejects(p.run({ kind: 'fail' }), hasCode('ERR_MODEL_OUTPUT'));
  } finally {
    await p.drain();
  }
});

test('run() spreads concurrent jobs over the least busy workers', { timeout: 20_000 }, async () => {
  const p = pool({ size: 2 });
  await p.start();
  try {
    const threads = await Promise.all([p.run({ kind: 'sleep', ms: 150 }), p.run({ kind: 'sleep', ms: 150 })]);
    assert.notEqual(threads[0], threads[1]);
  } finally {
    await p.drain();
  }
});

test(
  'a worker that dies fails its in-flight jobs with ERR_WORKER_CRASHED and is replaced',
  { timeout: 20_000 },
  async () => {
    const events: PoolEvent[] = [];
    const p = pool({ concurrency: 2, onEvent: (e) => events.push(e) });
    await p.start();
    try {
      const sleeping = p.run({ kind: 'sleep', ms: 5000 });
      const dying = p.run({ kind: 'exit', code: 3 });
      const queued = p.run({ kind: 'echo', value: 'after' }); // waits in the main-thread queue
      await assert.rejects(dying, hasCode('ERR_WORKER_CRASHED'));
      await assert.rejects(sleeping, hasCode('ERR_WORKER_CRASHED'));
      assert.equal(((await queued) as { value: unknown }).value, 'after');
      assert.equal(p.stats().restarts, 1);
      assert.deepEqual(
        events.map((e) => e.type),
        ['crash', 'restart'],
      );
      // An uncaught exception inside the worker counts as a crash too, and carries the error.
      await assert.rejects(p.run({ kind: 'throw-async' }), (err: unknown) => {
        assert.ok(isRoadworkError(err, 'ERR_WORKER_CRASHED'));
        assert.match(err.message, /fixture uncaught error/);
        return true;
      });
      assert.equal(((await p.run({ kind: 'echo', value: 2 })) as { value: unknown }).value, 2);
    } finally {
      await p.drain();
    }
  },
);

test(
  'restarts are bounded: a slot that keeps dying is given up and jobs fail fast',
  { timeout: 20_000 },
  async () => {
    const events: PoolEvent[] = [];
    const p = pool({ maxRestarts: 1, onEvent: (e) => events.push(e) });
    await p.start();
    try {
      await assert.rejects(p.run({ kind: 'exit', code: 1 }), hasCode('ERR_WORKER_CRASHED'));
      await assert.rejects(p.run({ kind: 'exit', code: 1 }), hasCode('ERR_WORKER_CRASHED'));
      await assert.rejects(p.run({ kind: 'echo', value: 1 }), hasCode('ERR_WORKER_CRASHED'));
      assert.equal(events.at(-1)?.type, 'give-up');
      assert.equal(p.stats().ready, 0);
    } finally {
      await p.drain();
    }
  },
);

test(
  'a job past its timeout fails with ERR_STAGE_TIMEOUT and a wedged worker is replaced',
  { timeout: 20_000 },
  async () => {
    const p = pool({ stuckGraceMs: 100 });
    await p.start();
    try {
      const started = Date.now();
      await assert.rejects(p.run({ kind: 'spin' }, { timeoutMs: 100 }), hasCode('ERR_STAGE_TIMEOUT'));
      assert.ok(Date.now() - started < 1000);
      assert.equal(((await p.run({ kind: 'echo', value: 'alive' })) as { value: unknown }).value, 'alive');
      assert.equal(p.stats().restarts, 1);
    } finally {
      await p.drain();
    }
  },
);

test('an aborted job is rejected at once, whether queued or running', { timeout: 20_000 }, async () => {
  const p = pool();
  await p.start();
  try {
    const running = new AbortController();
    const queued = new AbortController();
    const first = p.run({ kind: 'sleep', ms: 300 }, { signal: running.signal });
    const second = p.run({ kind: 'echo', value: 1 }, { signal: queued.signal });
    queued.abort();
    running.abort();
    await assert.rejects(first, hasCode('ERR_DEADLINE_EXCEEDED'));
    await assert.rejects(second, hasCode('ERR_DEADLINE_EXCEEDED'));
    assert.equal(p.stats().queued, 0);
    assert.equal(typeof (await p.run({ kind: 'sleep', ms: 1 })), 'number');
  } finally {
    await p.drain();
  }
});

test('drain() finishes queued and in-flight jobs, then refuses new ones', { timeout: 20_000 }, async () => {
  const p = pool();
  await p.start();
  const jobs = [1, 2, 3].map(() => p.run({ kind: 'sleep', ms: 50 }));
  await p.drain();
  assert.equal((await Promise.all(jobs)).length, 3);
  await assert.rejects(p.run({ kind: 'echo', value: 1 }), hasCode('ERR_WORKER_POOL_CLOSED'));
  assert.deepEqual([p.stats().ready, p.stats().closed], [0, true]);
});

test(
  'drain() with a deadline cancels what is left with ERR_WORKER_POOL_CLOSED',
  { timeout: 20_000 },
  async () => {
    const p = pool();
    await p.start();
    const running = p.run({ kind: 'sleep', ms: 5000 });
    const waiting = p.run({ kind: 'echo', value: 1 });
    const cancelled = Promise.all([
      assert.rejects(running, hasCode('ERR_WORKER_POOL_CLOSED')),
      assert.rejects(waiting, hasCode('ERR_WORKER_POOL_CLOSED')),
    ]);
    const started = Date.now();
    await p.drain({ timeoutMs: 50 });
    assert.ok(Date.now() - started < 2000);
    await cancelled;
  },
);

test('start() rejects with the coded error a worker setup throws', { timeout: 20_000 }, async () => {
  const p = pool({ size: 2, workerData: { failSetup: true } });
  await assert.rejects(p.start(), hasCode('ERR_MODEL_LOAD'));
  await assert.rejects(p.run({ kind: 'echo', value: 1 }), hasCode('ERR_WORKER_POOL_CLOSED'));
});
