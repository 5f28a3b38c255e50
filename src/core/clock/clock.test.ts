import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock, systemClock, withTimeout } from './index.js';

test('systemClock() reads the wall clock in ms and ns, and its ns never run backwards', () => {
  const clock = systemClock();
  const before = Date.now();
  const ms = clock.nowMs();
  const ns = clock.nowNs();
  const after = Date.now();
  assert.ok(ms >= before && ms <= after, `${ms} outside [${before}, ${after}]`);
  // Nanoseconds agree with the epoch milliseconds to within the few ms between the reads.
  const nsAsMs = Number(ns / 1_000_000n);
  assert.ok(Math.abs(nsAsMs - ms) <= 5, `${nsAsMs} vs ${ms}`);
  // Past 2^53: a Number would have lost the last digits Bittensor nonces rely on.
  assert.ok(ns > BigInt(Number.MAX_SAFE_INTEGER));
  let last = clock.nowNs();
  for (let i = 0; i < 1000; i++) {
    const next = clock.nowNs();
    assert.ok(next >= last);
    last = next;
  }
});

test('fakeClock() stands still until advanced, and gives exact nanoseconds for its milliseconds', () => {
  const clock = fakeClock(1_000);
  assert.equal(clock.nowMs(), 1_000);
  assert.equal(clock.nowMs(), 1_000);
  assert.equal(clock.nowNs(), 1_000_000_000n);
  clock.advance(250.5);
  assert.equal(clock.nowMs(), 1_250.5);
  assert.equal(clock.nowNs(), 1_250_500_000n);
  clock.advance(-1_250.5);
  assert.equal(clock.nowNs(), 0n);
});

test('fakeClock() starts at a fixed moment by default, the same for every test', () => {
  assert.equal(fakeClock().nowMs(), fakeClock().nowMs());
  assert.equal(fakeClock().nowNs(), BigInt(fakeClock().nowMs()) * 1_000_000n);
});

test('withTimeout() answers, times out, or aborts, and leaves no timer or listener behind', async () => {
  const late = () => new Error('late');
  assert.equal(await withTimeout(Promise.resolve(7), 1000, late), 7);
  await assert.rejects(withTimeout(new Promise(() => {}), 10, late), /late/);
  // An abort rejects at once: with the signal's reason, or what `onAbort` makes.
  const gone = new AbortController();
  gone.abort(new Error('gone'));
  await assert.rejects(withTimeout(new Promise(() => {}), 60_000, late, gone.signal), /gone/);
  const leaving = new AbortController();
  const pending = withTimeout(new Promise(() => {}), 60_000, late, leaving.signal, () => new Error('left'));
  leaving.abort();
  await assert.rejects(pending, /left/);
  // A settled race removes its abort listener: aborting afterwards changes nothing.
  const kept = new AbortController();
  let calls = 0;
  assert.equal(await withTimeout(Promise.resolve(1), 60_000, late, kept.signal, () => (calls++, 'x')), 1);
  kept.abort();
  assert.equal(calls, 0);
});
