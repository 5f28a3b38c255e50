import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission } from './_admission.js';
import { isRoadworkError } from '../../core/errors/index.js';

test('Admission serves queued requests highest stake first, in arrival order within a stake', async () => {
  const a = new Admission({ maxInFlight: 1, maxQueue: 10 });
  const first = await a.acquire(1);
  const order: string[] = [];
  const take = (stake: number, tag: string) =>
    a.acquire(stake).then((slot) => {
      order.push(tag);
      slot.release();
    });
  const waiters = [take(5, '5a'), take(100, '100'), take(5, '5b'), take(50, '50')];
  assert.equal(a.queued, 4);
  first.release();
  await Promise.all(waiters);
  assert.deepEqual(order, ['100', '50', '5a', '5b']);
  assert.equal(a.inFlight, 0);
});

test('Admission sheds the lowest stake when the queue is full', async () => {
  const a = new Admission({ maxInFlight: 1, maxQueue: 2 });
  const slot = await a.acquire(1);
  const low = a.acquire(1);
  const mid = a.acquire(10);
  const high = a.acquire(20); // evicts `low`
  await assert.rejects(low, (e) => isRoadworkError(e, 'ERR_OVERLOADED'));
  await assert.rejects(a.acquire(0), (e) => isRoadworkError(e, 'ERR_OVERLOADED'));
  slot.release();
  (await high).release();
  (await mid).release();
  assert.equal(a.inFlight, 0);
  assert.equal(a.queued, 0);
});

test('Admission drops a waiter whose deadline passes and a slot released twice counts once', async () => {
  const a = new Admission({ maxInFlight: 1, maxQueue: 5 });
  const slot = await a.acquire(1);
  const ac = new AbortController();
  const waiting = a.acquire(3, { signal: ac.signal });
  ac.abort();
  await assert.rejects(waiting, (e) => isRoadworkError(e, 'ERR_DEADLINE_EXCEEDED'));
  assert.equal(a.queued, 0);
  slot.release();
  slot.release();
  assert.equal(a.inFlight, 0);
  (await a.acquire(1)).release();
});

test('Admission measures service time on answered requests only: fast failures do not shrink it', async () => {
  const a = new Admission({ maxInFlight: 1, maxQueue: 10 });
  const slot = await a.acquire(1);
  await new Promise((r) => setTimeout(r, 60));
  slot.release(true);
  const measured = a.serviceMs ?? 0;
  assert.ok(measured >= 50, String(measured));
  for (let i = 0; i < 20; i++) (await a.acquire(1)).release(false);
  assert.equal(a.serviceMs, measured, 'twenty 0 ms failures leave the estimate as it was');
  // So a queue that cannot be served in time is still refused at once.
  const busy = await a.acquire(1);
  await assert.rejects(a.acquire(1, { remainingMs: measured }), { code: 'ERR_OVERLOADED' });
  busy.release();
});
