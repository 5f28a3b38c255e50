// Micro-batcher behaviour with real timers: batch sizes, flush triggers, deadlines, aborts, errors, close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRoadworkError } from '../../core/errors/index.js';
import { createBatcher } from './index.js';

const FAR = (): number => Date.now() + 10_000;

function recorder(delayMs = 0): { sizes: number[]; run: (items: number[]) => Promise<number[]> } {
  const sizes: number[] = [];
  return {
    sizes,
    run: async (items) => {
      sizes.push(items.length);
      if (delayMs > 0) await sleep(delayMs);
      return items.map((x) => x * 10);
    },
  };
}

test('createBatcher() puts concurrent submits into one batch and answers each in order', async () => {
  const r = recorder();
  const seen: number[] = [];
  const b = createBatcher({ maxBatch: 8, maxWaitMs: 20, run: r.run, onBatch: (size) => seen.push(size) });
  const out = await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit(x, { deadlineMs: FAR() })));
  assert.deepEqual(out, [10, 20, 30, 40, 50]);
  assert.deepEqual(r.sizes, [5]);
  assert.deepEqual(seen, [5]);
  assert.equal(b.stats().meanBatchSize, 5);
  await b.close();
});

test('createBatcher() with maxWaitMs 0 still batches submits of the same tick', async () => {
  const r = recorder();
  const b = createBatcher({ maxBatch: 8, maxWaitMs: 0, run: r.run });
  await Promise.all([1, 2, 3].map((x) => b.submit(x, { deadlineMs: FAR() })));
  assert.deepEqual(r.sizes, [3]);
  await b.close();
});

test('a lone item is flushed after maxWaitMs, not before', async () => {
  const r = recorder();
  let waited = -1;
  const b = createBatcher({ maxBatch: 8, maxWaitMs: 60, run: r.run, onBatch: (_s, w) => (waited = w) });
  const start = Date.now();
  assert.equal(await b.submit(7, { deadlineMs: FAR() }), 70);
  const elapsed = Date.now() - start;
  assert.ok(elapsed >= 55 && elapsed < 1000, `flushed after ${elapsed} ms`);
  assert.ok(waited >= 55, `onBatch saw ${waited} ms`);
  await b.close();
});

test('a full batch flushes at once and the rest waits for the next one', async () => {
  const r = recorder();
  const b = createBatcher({ maxBatch: 3, maxWaitMs: 5_000, run: r.run, maxInFlight: 2 });
  const start = Date.now();
  const first = Promise.all([1, 2, 3].map((x) => b.submit(x, { deadlineMs: FAR() })));
  const late = b.submit(4, { deadlineMs: FAR() });
  assert.deepEqual(await first, [10, 20, 30]);
  assert.ok(Date.now() - start < 1000, 'the full batch did not wait for maxWaitMs');
  assert.deepEqual(r.sizes, [3]);
  assert.equal(b.stats().queued, 1);
  await b.close();
  assert.equal(await late, 40);
  assert.deepEqual(r.sizes, [3, 1]);
});

test('a near deadline flushes the batch early, keeping reserveMs for the run', async () => {
  const r = recorder();
  const b = createBatcher({ maxBatch: 8, maxWaitMs: 5_000, reserveMs: 100, run: r.run });
  const start = Date.now();
  assert.equal(await b.submit(1, { deadlineMs: start + 300 }), 10);
  const elapsed = Date.now() - start;
  assert.ok(elapsed >= 180 && elapsed < 300, `flushed after ${elapsed} ms, deadline at 300 ms`);
  await b.close();
});

test('an item is rejected at its deadline while the only slot is busy', async () => {
  const r = recorder(500);
  const b = createBatcher({ maxBatch: 1, maxWaitMs: 0, run: r.run });
  const busy = b.submit(1, { deadlineMs: FAR() });
  const start = Date.now();
  await assert.rejects(b.submit(2, { deadlineMs: start + 50 }), (err) =>
    isRoadworkError(err, 'ERR_STAGE_TIMEOUT'),
  );
  assert.ok(Date.now() - start < 400, 'the item did not wait for the busy slot');
  assert.equal(await busy, 10);
  assert.deepEqual(r.sizes, [1], 'the expired item never reached run');
  assert.equal(b.stats().expired, 1);
  await b.close();
});

test('an item already past its deadline is rejected without queueing', async () => {
  const b = createBatcher({ maxBatch: 4, maxWaitMs: 10, run: recorder().run });
  await assert.rejects(b.submit(1, { deadlineMs: Date.now() - 1 }), (err) =>
    isRoadworkError(err, 'ERR_STAGE_TIMEOUT'),
  );
  assert.equal(b.stats().queued, 0);
  await b.close();
});

test('an aborted item is removed before the flush and the others still run', async () => {
  const r = recorder();
  const b = createBatcher({ maxBatch: 8, maxWaitMs: 40, run: r.run });
  const ac = new AbortController();
  const gone = b.submit(1, { deadlineMs: FAR(), signal: ac.signal });
  const kept = b.submit(2, { deadlineMs: FAR() });
  ac.abort();
  await assert.rejects(gone, (err) => isRoadworkError(err, 'ERR_DEADLINE_EXCEEDED'));
  assert.equal(await kept, 20);
  assert.deepEqual(r.sizes, [1]);
  assert.equal(b.stats().aborted, 1);
  await b.close();
});

test('an item aborted while its batch runs is rejected at once and its result discarded', async () => {
  const r = recorder(200);
  const b = createBatcher({ maxBatch: 2, maxWaitMs: 0, run: r.run });
  const ac = new AbortController();
  const gone = b.submit(1, { deadlineMs: FAR(), signal: ac.signal });
  const kept = b.submit(2, { deadlineMs: FAR() });
  await sleep(20);
  const start = Date.now();
  ac.abort();
  await assert.rejects(gone, (err) => isRoadworkError(err, 'ERR_DEADLINE_EXCEEDED'));
  assert.ok(Date.now() - start < 100);
  assert.equal(await kept, 20);
  assert.deepEqual(r.sizes, [2]);
  await b.close();
});

test('a run error rejects every item of that batch with the same error', async () => {
  const boom = new Error('backbone failed');
  const b = createBatcher<number, number>({
    maxBatch: 4,
    maxWaitMs: 5,
    run: () => Promise.reject(boom),
  });
  const results = await Promise.allSettled([1, 2, 3].map((x) => b.submit(x, { deadlineMs: FAR() })));
  assert.deepEqual(
    results.map((s) => (s.status === 'rejected' ? s.reason : s.value)),
    [boom, boom, boom],
  );
  await b.close();
});

test('a result of the wrong length is ERR_MODEL_OUTPUT for every item', async () => {
  const b = createBatcher<number, number>({
    maxBatch: 4,
    maxWaitMs: 5,
    run: async (items) => items.slice(1),
  });
  const results = await Promise.allSettled([1, 2].map((x) => b.submit(x, { deadlineMs: FAR() })));
  for (const s of results) {
    assert.equal(s.status, 'rejected');
    assert.ok(isRoadworkError(s.reason, 'ERR_MODEL_OUTPUT'), String(s.reason));
    assert.match((s.reason as Error).message, /1 for 2 items/);
  }
  await b.close();
});

test('batches beyond maxInFlight queue instead of running at once', async () => {
  let running = 0;
  let peak = 0;
  const b = createBatcher<number, number>({
    maxBatch: 2,
    maxWaitMs: 0,
    maxInFlight: 1,
    run: async (items) => {
      peak = Math.max(peak, ++running);
      await sleep(30);
      running--;
      return items;
    },
  });
  const out = await Promise.all([1, 2, 3, 4, 5, 6].map((x) => b.submit(x, { deadlineMs: FAR() })));
  assert.deepEqual(out, [1, 2, 3, 4, 5, 6]);
  assert.equal(peak, 1);
  assert.equal(b.stats().batches, 3);
  await b.close();
});

test('close() flushes queued items without waiting, then rejects new submits', async () => {
  const r = recorder();
  const b = createBatcher({ maxBatch: 8, maxWaitMs: 5_000, run: r.run });
  const queued = b.submit(3, { deadlineMs: FAR() });
  const start = Date.now();
  await b.close();
  assert.ok(Date.now() - start < 1000);
  assert.equal(await queued, 30);
  await assert.rejects(b.submit(4, { deadlineMs: FAR() }), (err) =>
    isRoadworkError(err, 'ERR_BATCHER_CLOSED'),
  );
  assert.equal(b.stats().closed, true);
});

test('createBatcher() rejects a maxBatch below 1 with the value', () => {
  assert.throws(
    () => createBatcher({ maxBatch: 0, maxWaitMs: 5, run: async (x: number[]) => x }),
    (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /maxBatch is invalid: 0/.test(err.message),
  );
});

test('a burst is spread evenly over the idle workers, one batch each', async () => {
  const r = recorder(50);
  const b = createBatcher({ maxBatch: 16, maxWaitMs: 5_000, maxInFlight: 4, workers: 2, run: r.run });
  const values = Array.from({ length: 16 }, (_, i) => i + 1);
  const out = await Promise.all(values.map((x) => b.submit(x, { deadlineMs: FAR() })));
  assert.deepEqual(
    out,
    values.map((x) => x * 10),
    'every item gets its own result, in order',
  );
  assert.deepEqual(r.sizes, [8, 8], 'the full queue went out as two batches, not one of 16');
  await b.close();
});

test('with every worker busy, due items form one batch that waits beside the running ones', async () => {
  const r = recorder(150);
  const b = createBatcher({ maxBatch: 8, maxWaitMs: 0, maxInFlight: 4, workers: 2, run: r.run });
  const first = Promise.all([1, 2, 3, 4].map((x) => b.submit(x, { deadlineMs: FAR() })));
  await sleep(20);
  assert.deepEqual(r.sizes, [2, 2], 'two idle workers: two batches');
  const second = Promise.all([5, 6, 7].map((x) => b.submit(x, { deadlineMs: FAR() })));
  await sleep(20);
  assert.deepEqual(r.sizes, [2, 2, 3], 'no idle worker: one batch, handed over early');
  assert.equal(b.stats().inFlight, 3);
  assert.deepEqual(await first, [10, 20, 30, 40]);
  assert.deepEqual(await second, [50, 60, 70]);
  await b.close();
});

test('createBatcher() rejects a workers count below 1 with the value', () => {
  assert.throws(
    () => createBatcher({ maxBatch: 4, maxWaitMs: 5, workers: 0, run: async (x: number[]) => x }),
    (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /workers is invalid: 0/.test(err.message),
  );
});
