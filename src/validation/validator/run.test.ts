import { test } from 'node:test';
import assert from 'node:assert/strict';
import { synthSource } from '../../data/procedural/index.js';
import { createRng } from '../../core/random/index.js';
import { planChallenges } from './challenge.js';
import { ChallengeSequence, runChallenges, type ChallengeResult, type Lane } from './run.js';

const SOURCE = synthSource(8, { width: 160, height: 120 });

/** A lane that answers after a delay that varies with the lane and the challenge. */
function jitterLane(lane: number): Lane {
  return async (challenge, i) => {
    await new Promise((r) => setTimeout(r, ((i * 7 + lane * 13) % 5) * 3));
    return { prediction: challenge.label, statusCode: 200, latencyMs: 1 };
  };
}

async function collect(lanes: number, options: { count?: number; durationMs?: number; ratePerS?: number }) {
  const results: ChallengeResult[] = [];
  const answered = await runChallenges(
    new ChallengeSequence(planChallenges(SOURCE, { protocol: '2.0.4' }), createRng('run-test')),
    Array.from({ length: lanes }, (_, k) => jitterLane(k)),
    { ...options, onResult: (r) => results.push(r) },
  );
  return { answered, results };
}

test('runChallenges() delivers in index order and challenge i does not depend on the number of lanes', async () => {
  const one = await collect(1, { count: 12 });
  const four = await collect(4, { count: 12 });
  assert.equal(one.answered, 12);
  assert.deepEqual(
    four.results.map((r) => r.i),
    Array.from({ length: 12 }, (_, i) => i),
  );
  const key = (r: ChallengeResult) => [
    r.challenge.sourceId,
    r.challenge.label,
    JSON.stringify(r.challenge.params),
  ];
  assert.deepEqual(four.results.map(key), one.results.map(key));
});

test('runChallenges() holds the total rate over all lanes', async () => {
  const started = performance.now();
  await collect(4, { count: 6, ratePerS: 50 });
  // Six requests at 50/s: the last may start 100 ms after the first.
  assert.ok(performance.now() - started >= 95, `${performance.now() - started} ms`);
});

test('runChallenges() stops issuing after the duration, and a lane failure rejects the run', async () => {
  const { answered } = await collect(2, { durationMs: 60 });
  assert.ok(answered > 0 && answered < 200, String(answered));
  const failing: Lane = async () => {
    throw new Error('lane broke');
  };
  await assert.rejects(
    runChallenges(
      new ChallengeSequence(planChallenges(SOURCE, { protocol: '2.0.4' }), createRng('x')),
      [failing],
      { count: 3 },
    ),
    /lane broke/,
  );
});
