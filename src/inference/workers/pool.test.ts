// Pool tests against a real fixture worker that sleeps, spins, throws and crashes on request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError, type ErrorCode } from '../../core/errors/index.js';
import { fakeClock } from '../../core/clock/index.js';
import {
  PoolHealth,
  createWorkerPool,
  jobTime,
  resolveWorkerFile,
  type PoolEvent,
  type WorkerPool,
  type WorkerPoolOptions,
} from './index.js';
import { createMetrics } from '../../core/metrics/index.js';
import type { FixtureJob } from './_test-worker.js';

const file = resolveWorkerFile(import.meta.url, './_test-worker');

function pool(options: Partial<WorkerPoolOptions> = {}) {
  return createWorkerPool<FixtureJob, unknown>({ file, restartBackoffMs: 10, ...options });
}

/** Starts `p`, runs `fn` on it, and always drains it. */
async function withPool<J, A>(
  p: WorkerPool<J, A>,
  fn: (p: WorkerPool<J, A>) => Promise<void>,
): Promise<void> {
  await p.start();
  try {
    await fn(p);
  } finally {
    await p.drain();
  }
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
  await withPool(pool(), async (p) => {
    assert.deepEqual(((await p.run({ kind: 'echo', value: [1, 'a'] })) as { value: unknown }).value, [
      1,
      'a',
    ]);
    const bytes = new Uint8Array([1, 2, 3, 250]).buffer;
    assert.equal(await p.run({ kind: 'sum', bytes }, { transfer: [bytes] }), 256);
    assert.equal(bytes.byteLength, 0, 'the buffer was transferred, not copied');
    await assert.rejects(p.run({ kind: 'fail' }), hasCode('ERR_MODEL_OUTPUT'));
  });
});

test('run() spreads concurrent jobs over the least busy workers', { timeout: 20_000 }, async () => {
  await withPool(pool({ size: 2 }), async (p) => {
    const threads = await Promise.all([p.run({ kind: 'sleep', ms: 150 }), p.run({ kind: 'sleep', ms: 150 })]);
    assert.notEqual(threads[0], threads[1]);
  });
});

test(
  'a worker that dies fails its in-flight jobs with ERR_WORKER_CRASHED and is replaced',
  { timeout: 20_000 },
  async () => {
    const events: PoolEvent[] = [];
    await withPool(pool({ concurrency: 2, onEvent: (e) => events.push(e) }), async (p) => {
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
    });
  },
);

test(
  'a slot that keeps dying cools down instead of giving up: jobs fail fast, health says down, then it serves again',
  { timeout: 20_000 },
  async () => {
    const events: PoolEvent[] = [];
    const health = new PoolHealth();
    const p = pool({
      maxRestarts: 1,
      coolDownMs: 400,
      onEvent: (e) => events.push(e),
      health,
      name: 'fixture',
    });
    const metrics = createMetrics({ processMetrics: false });
    metrics.watchPools(() => health.list());
    const scraped = async () => {
      const text = await metrics.registry.metrics();
      const value = (name: string) =>
        Number(new RegExp(`^${name}\\{pool="fixture"\\} (\\S+)$`, 'm').exec(text)?.[1]);
      return [value('roadwork_worker_pool_ready'), value('roadwork_worker_restarts_total')];
    };
    await withPool(p, async (p) => {
      assert.deepEqual(health.down(), []);
      assert.deepEqual(await scraped(), [1, 0]);
      await assert.rejects(p.run({ kind: 'exit', code: 1 }), hasCode('ERR_WORKER_CRASHED'));
      await assert.rejects(p.run({ kind: 'exit', code: 1 }), hasCode('ERR_WORKER_CRASHED'));
      assert.equal(events.at(-1)?.type, 'cool-down');
      // While it cools down, a job is refused at once with the reason, not queued to its deadline.
      const t = Date.now();
      await assert.rejects(p.run({ kind: 'echo', value: 1 }), (err: unknown) => {
        assert.ok(isRoadworkError(err, 'ERR_WORKER_CRASHED'));
        assert.match(err.message, /next restart is in \d+ ms/);
        return true;
      });
      assert.ok(Date.now() - t < 100);
      assert.equal(p.stats().ready, 0);
      assert.deepEqual(health.down(), ['fixture']);
      // What the stage-down and worker-restart alerts read (deploy/prometheus/roadwork-miner.rules.yml).
      assert.deepEqual(await scraped(), [0, p.stats().restarts]);
      assert.ok(p.stats().restarts >= 1);
      // After the cool-down the slot is restarted and serves again: the pool never stays dead.
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(((await p.run({ kind: 'echo', value: 'back' })) as { value: unknown }).value, 'back');
      assert.deepEqual(health.down(), []);
    });
    // A drained pool leaves the board.
    assert.deepEqual(health.down(), []);
    assert.deepEqual(health.list(), []);
  },
);

test(
  'crashes count toward a cool-down only within restartWindowMs on the pool clock',
  { timeout: 20_000 },
  async () => {
    const clock = fakeClock();
    const events: PoolEvent[] = [];
    const p = pool({ maxRestarts: 1, restartWindowMs: 1000, clock, onEvent: (e) => events.push(e) });
    await withPool(p, async (p) => {
      await assert.rejects(p.run({ kind: 'exit', code: 1 }), hasCode('ERR_WORKER_CRASHED'));
      await p.run({ kind: 'echo', value: 'restarted' });
      // Milliseconds apart on the wall clock, but past the window on the pool's: no cool-down.
      clock.advance(5000);
      await assert.rejects(p.run({ kind: 'exit', code: 1 }), hasCode('ERR_WORKER_CRASHED'));
      assert.deepEqual(
        events.map((e) => e.type),
        ['crash', 'restart', 'crash', 'restart'],
      );
      // Within the window, the next crash cools the slot down and a job is refused at once.
      await p.run({ kind: 'echo', value: 'restarted' });
      await assert.rejects(p.run({ kind: 'exit', code: 1 }), hasCode('ERR_WORKER_CRASHED'));
      assert.equal(events.at(-1)?.type, 'cool-down');
      await assert.rejects(p.run({ kind: 'echo', value: 1 }), hasCode('ERR_WORKER_CRASHED'));
    });
  },
);

test(
  'a job past its timeout fails with ERR_STAGE_TIMEOUT and a wedged worker is replaced',
  { timeout: 20_000 },
  async () => {
    await withPool(pool({ stuckGraceMs: 100 }), async (p) => {
      const started = Date.now();
      await assert.rejects(p.run({ kind: 'spin' }, { timeoutMs: 100 }), hasCode('ERR_STAGE_TIMEOUT'));
      assert.ok(Date.now() - started < 1000);
      assert.equal(((await p.run({ kind: 'echo', value: 'alive' })) as { value: unknown }).value, 'alive');
      assert.equal(p.stats().restarts, 1);
    });
  },
);

test('an aborted job is rejected at once, whether queued or running', { timeout: 20_000 }, async () => {
  await withPool(pool(), async (p) => {
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
  });
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

for (const [kind, make] of [
  ['a plain', pool],
  ['a pipelined', pipelined],
] as const) {
  test(
    `drain() with a deadline cancels running and waiting jobs of ${kind} worker with ERR_WORKER_POOL_CLOSED`,
    { timeout: 20_000 },
    async () => {
      const p = make();
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
}

test('start() rejects with the coded error a worker setup throws', { timeout: 20_000 }, async () => {
  const p = pool({ size: 2, workerData: { failSetup: true } });
  await assert.rejects(p.start(), hasCode('ERR_MODEL_LOAD'));
  await assert.rejects(p.run({ kind: 'echo', value: 1 }), hasCode('ERR_WORKER_POOL_CLOSED'));
});

// A sequential worker with concurrency 2 keeps its next job waiting inside it (pipelining).
function pipelined(options: Partial<WorkerPoolOptions> = {}) {
  return pool({ concurrency: 2, workerData: { sequential: true }, ...options });
}

test(
  'a sequential worker runs its two jobs one after the other and answers each with its own result',
  { timeout: 20_000 },
  async () => {
    await withPool(pipelined(), async (p) => {
      const order: string[] = [];
      const started = Date.now();
      const slow = p.run({ kind: 'sleep', ms: 300 }).then((v) => (order.push('slow'), v));
      const next = p.run({ kind: 'clock' }).then((v) => (order.push('next'), v as number));
      const echoed = p.run({ kind: 'echo', value: 'third' }); // waits on the main thread
      assert.equal(p.stats().queued, 1, 'two jobs went to the worker, the third waits on the main thread');
      assert.equal(typeof (await slow), 'number');
      assert.ok((await next) - started >= 290, 'the second job started only after the first finished');
      assert.deepEqual(order, ['slow', 'next']);
      assert.equal(((await echoed) as { value: unknown }).value, 'third');
    });
  },
);

test(
  'many jobs over two pipelined workers all come back, each with its own answer',
  { timeout: 20_000 },
  async () => {
    await withPool(pipelined({ size: 2 }), async (p) => {
      const values = Array.from({ length: 40 }, (_, i) => i);
      const out = await Promise.all(
        values.map((i) =>
          i % 5 === 0
            ? p.run({ kind: 'sleep', ms: 5 }).then(() => i)
            : p.run({ kind: 'echo', value: i }).then((r) => (r as { value: number }).value),
        ),
      );
      assert.deepEqual(out, values);
      assert.deepEqual([p.stats().queued, p.stats().busy], [0, 0]);
    });
  },
);

test(
  'a job timing out while it waits behind a running one fails alone; the busy worker is kept',
  { timeout: 20_000 },
  async () => {
    await withPool(pipelined({ stuckGraceMs: 100 }), async (p) => {
      const running = p.run({ kind: 'sleep', ms: 600 });
      const started = Date.now();
      await assert.rejects(
        p.run({ kind: 'echo', value: 1 }, { timeoutMs: 50 }),
        hasCode('ERR_STAGE_TIMEOUT'),
      );
      assert.ok(Date.now() - started < 400, 'rejected at its own timeout, not after the running job');
      // It never started, so the grace for wedged jobs does not apply: the running job finishes normally.
      assert.equal(typeof (await running), 'number');
      assert.equal(p.stats().restarts, 0);
    });
  },
);

test(
  'a wedged job on a sequential worker is still replaced, failing the job that waited behind it',
  { timeout: 20_000 },
  async () => {
    await withPool(pipelined({ stuckGraceMs: 100 }), async (p) => {
      const wedged = p.run({ kind: 'spin' }, { timeoutMs: 100 });
      const behind = p.run({ kind: 'echo', value: 1 });
      await assert.rejects(wedged, hasCode('ERR_STAGE_TIMEOUT'));
      await assert.rejects(behind, hasCode('ERR_WORKER_CRASHED'));
      assert.equal(((await p.run({ kind: 'echo', value: 'alive' })) as { value: unknown }).value, 'alive');
      assert.equal(p.stats().restarts, 1);
    });
  },
);

test('drain() on pipelined workers finishes the jobs waiting inside them', { timeout: 20_000 }, async () => {
  const p = pipelined({ size: 2 });
  await p.start();
  const jobs = [1, 2, 3, 4, 5].map(() => p.run({ kind: 'sleep', ms: 50 }));
  await p.drain();
  assert.equal((await Promise.all(jobs)).length, 5);
  await assert.rejects(p.run({ kind: 'echo', value: 1 }), hasCode('ERR_WORKER_POOL_CLOSED'));
});

test(
  'a job carries its caller’s remaining time to the worker, as a budget on the worker’s clock',
  { timeout: 20_000 },
  async () => {
    await withPool(pool({ clock: fakeClock(0) }), async (p) => {
      // The pool's clock is frozen at 0: an epoch deadline would mean nothing to the worker; a budget does.
      const left = (await p.run({ kind: 'budget' }, { timeoutMs: 5_000 })) as number;
      assert.ok(left > 4_000 && left <= 5_000, `budget ${left}`);
      assert.equal(await p.run({ kind: 'budget' }, { timeoutMs: 0 }), Number.POSITIVE_INFINITY);
    });
  },
);

test(
  'a job whose budget runs out while it waits in a sequential worker is not run there',
  { timeout: 20_000 },
  async () => {
    await withPool(pool({ size: 1, concurrency: 2, workerData: { sequential: true } }), async (p) => {
      const busy = p.run({ kind: 'sleep', ms: 400 });
      // Posted at once (concurrency 2), it waits behind the sleep inside the worker, past its 100 ms.
      await assert.rejects(p.run({ kind: 'guarded' }, { timeoutMs: 100 }), hasCode('ERR_STAGE_TIMEOUT'));
      const patient = p.run({ kind: 'guarded' }, { timeoutMs: 5_000 });
      await busy;
      assert.equal(await patient, 1, 'only the job with time left ran');
      assert.equal(await p.run({ kind: 'ran' }), 1);
    });
  },
);

test('jobTime() counts down from arrival and refuses late work with a coded error', () => {
  const now = performance.now();
  const fresh = jobTime(1_000, now);
  assert.ok(fresh.remainingMs() > 900 && fresh.remainingMs() <= 1_000);
  fresh.refuseLate('Fresh job');
  const spent = jobTime(50, now - 80);
  assert.ok(spent.remainingMs() < 0);
  assert.throws(
    () => spent.refuseLate('Old job'),
    (err) => {
      assert.ok(isRoadworkError(err, 'ERR_DEADLINE_EXCEEDED'));
      assert.match(err.message, /^Old job started after its deadline: \d+ ms late; dropped\.$/);
      return true;
    },
  );
  assert.throws(() => jobTime(0).refuseLate('OCR', 'ERR_STAGE_TIMEOUT'), hasCode('ERR_STAGE_TIMEOUT'));
  assert.equal(jobTime(Number.POSITIVE_INFINITY).remainingMs(), Number.POSITIVE_INFINITY);
});
