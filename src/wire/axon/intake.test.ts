import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Intake } from './_intake.js';
import { Admission } from './_admission.js';
import { isSenior, seniorStakeFloor } from './_seniority.js';
import { buildMetagraph } from '../chain/types.js';
import { isRoadworkError } from '../../core/errors/index.js';

test('Intake caps open requests per caller, leaving other callers their share', () => {
  const intake = new Intake({ maxPerCaller: 2, maxBytes: 1e9 });
  const a1 = intake.enter('a', 10);
  intake.enter('a', 10);
  assert.throws(
    () => intake.enter('a', 10),
    (e) => isRoadworkError(e, 'ERR_OVERLOADED'),
  );
  // Another validator is not affected by the first one's slow or numerous requests.
  const b = intake.enter('b', 10);
  a1.release();
  a1.release();
  intake.enter('a', 10).release();
  assert.equal(intake.open('a'), 1);
  b.release();
  assert.equal(intake.open('b'), 0);
});

test('Intake refuses a body that would exceed the bytes budget, and frees bytes on release', () => {
  const intake = new Intake({ maxPerCaller: 100, maxBytes: 100 });
  const t = intake.enter('a', 80);
  assert.throws(
    () => intake.enter('b', 30),
    (e) => isRoadworkError(e, 'ERR_OVERLOADED'),
  );
  t.release();
  assert.equal(intake.bytes, 0);
  intake.enter('b', 30).release();
});

test('Intake holds each caller to its share of body bytes, leaving the budget to the others', () => {
  const intake = new Intake({ maxPerCaller: 100, maxBytes: 100, maxBytesPerCaller: 40 });
  const a = [intake.enter('a', 20), intake.enter('a', 20)];
  // Over its share, even though the shared budget has room: refused with the setting named.
  assert.throws(
    () => intake.enter('a', 1),
    (e) => isRoadworkError(e, 'ERR_OVERLOADED') && e.message.includes('limits.max_body_bytes_per_caller'),
  );
  const b = [intake.enter('b', 40)];
  // Two callers at their shares leave 20 bytes to a third.
  intake.enter('c', 20).release();
  assert.equal(intake.bytesOf('a'), 40);
  for (const t of [...a, ...b]) t.release();
  assert.equal(intake.bytesOf('a'), 0);
  assert.equal(intake.bytes, 0);
  intake.enter('a', 40).release();
});

test('Admission refuses at once a request the measured service time cannot answer before its deadline', async () => {
  const a = new Admission({ maxInFlight: 1, maxQueue: 100 });
  // Teach it a service time of about 200 ms.
  const first = await a.acquire(1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  first.release();
  assert.ok(a.serviceMs! >= 190, `service ${a.serviceMs}`);
  const held = await a.acquire(1);
  // Position 0 needs ~400 ms (the running one, then itself): 1 s left is enough, 100 ms is not.
  const hopeful = a.acquire(1, { remainingMs: 1000 });
  const t = performance.now();
  await assert.rejects(a.acquire(1, { remainingMs: 100 }), (e: unknown) => {
    assert.ok(isRoadworkError(e, 'ERR_OVERLOADED'));
    assert.match(e.message, /before the deadline/);
    return true;
  });
  assert.ok(performance.now() - t < 50, 'refused fast');
  // A higher stake jumps the queue, so its expected wait is shorter than a late low stake's.
  assert.ok(a.expectedMs(0) < a.expectedMs(5));
  held.release();
  (await hopeful).release();
  assert.equal(a.inFlight, 0);
});

test('Intake keeps its reserve for senior callers: the others together fill only the rest', () => {
  const intake = new Intake({ maxPerCaller: 100, maxBytes: 100, maxBytesPerCaller: 30, reservedShare: 0.4 });
  const juniors = [intake.enter('a', 30, false), intake.enter('b', 30, false)];
  // Each is within its share, but 60 of the 100 bytes are all that callers outside the top may hold.
  assert.throws(
    () => intake.enter('c', 10, false),
    (e) => isRoadworkError(e, 'ERR_OVERLOADED') && e.message.includes('limits.body_bytes_reserved_share'),
  );
  // A senior caller uses the reserve, up to the whole budget.
  const senior = intake.enter('v', 30);
  assert.throws(
    () => intake.enter('w', 20),
    (e) =>
      isRoadworkError(e, 'ERR_OVERLOADED') && e.message.includes('Too many request bodies in flight: 110'),
  );
  juniors[0]!.release();
  intake.enter('c', 10, false).release();
  senior.release();
  juniors[1]!.release();
  assert.equal(intake.bytes, 0);
  intake.enter('c', 30, false).release();
});

test('seniorStakeFloor() picks the validators that hold 90 % of the validator stake, largest first', () => {
  const graph = (neurons: readonly [number, boolean][]) =>
    buildMetagraph(
      72,
      1,
      neurons.map(([stake, validatorPermit], uid) => ({
        uid,
        hotkey: `h${uid}`,
        stake,
        validatorPermit,
        axon: null,
      })),
      0,
    );
  // 95 015 in all; 50 000 + 30 000 + 10 000 = 90 000 is the first run past 90 %. The miner's own
  // 1 000 000 without a permit does not count.
  const mg = graph([
    [5, true],
    [30_000, true],
    [10_000, true],
    [50_000, true],
    [5_000, true],
    [5, true],
    [5, true],
    [1_000_000, false],
  ]);
  assert.equal(seniorStakeFloor(mg), 10_000);
  assert.equal(isSenior(10_000, mg), true);
  assert.equal(isSenior(5_000, mg), false);
  // No permits: every neuron counts. No stake at all, or no metagraph: nobody can be told apart.
  assert.equal(
    seniorStakeFloor(
      graph([
        [10, false],
        [90, false],
      ]),
    ),
    90,
  );
  assert.equal(isSenior(0, graph([[0, true]])), true);
  assert.equal(isSenior(0, undefined), true);
});
