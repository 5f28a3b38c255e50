import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admit, reservedBytes } from './_admit.js';
import { Intake } from './_intake.js';

test('reservedBytes() reserves the declared length, or the whole limit for a chunked or bogus one', () => {
  assert.equal(reservedBytes('1000', 5000), 1000);
  assert.equal(reservedBytes('9000', 5000), 5000);
  assert.equal(reservedBytes(undefined, 5000), 5000);
  assert.equal(reservedBytes('-1', 5000), 5000);
  assert.equal(reservedBytes('12x', 5000), 5000);
});

test('admit() lets a caller in with a ticket and refuses past its share with a value, not a throw', () => {
  const intake = new Intake({ maxPerCaller: 1, maxBytes: 10_000 });
  const first = admit(intake, 'VAL', '100', 5000);
  assert.ok(first.ok);
  assert.equal(intake.bytes, 100);
  const second = admit(intake, 'VAL', '100', 5000);
  assert.ok(!second.ok && second.code === 'ERR_OVERLOADED' && /from this caller/.test(second.message));
  first.ticket.release();
  assert.equal(intake.bytes, 0);
  assert.ok(admit(intake, 'VAL', '100', 5000).ok);
});

test('admit() refuses a chunked body when the whole limit no longer fits the byte budget', () => {
  const intake = new Intake({ maxPerCaller: 8, maxBytes: 6000 });
  assert.ok(admit(intake, 'A', '2000', 5000).ok);
  const chunked = admit(intake, 'B', undefined, 5000);
  assert.ok(!chunked.ok && chunked.code === 'ERR_OVERLOADED' && /bodies in flight/.test(chunked.message));
});
