import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { pino } from 'pino';
import { createMetrics } from '../../core/metrics/index.js';
import { AnsweredFeed, type AnsweredRequest } from './_answered.js';

const RECORD: AnsweredRequest = {
  id: 'r1',
  synapse: 'ImageSynapse',
  receivedAtMs: 1,
  validator: { hotkey: '5Val', version: 2004, generation: '2.x', stake: 10 },
  image: 'AAAA',
  prediction: 0.5,
  modelVersion: 'm',
  stages: [],
  timings: { receiveMs: 0, verifyMs: 0, queueMs: 0, decodeMs: 0, predictMs: 0, totalMs: 0 },
};

function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, log };
}

test('AnsweredFeed.notify() hands the record over on a later turn, never during the answer', async () => {
  const metrics = createMetrics({ processMetrics: false });
  const got: AnsweredRequest[] = [];
  let built = 0;
  const feed = new AnsweredFeed((r) => void got.push(r), metrics);
  feed.notify(
    () => {
      built++;
      return RECORD;
    },
    () => capture().log,
  );
  assert.equal(built, 0, 'the record is not even built on the answer path');
  assert.equal(got.length, 0);
  await turn();
  assert.deepEqual(got, [RECORD]);
});

test('AnsweredFeed counts a hook that throws or rejects, logs the first at warn, and never throws itself', async () => {
  const metrics = createMetrics({ processMetrics: false });
  const { lines, log } = capture();
  let calls = 0;
  const feed = new AnsweredFeed(async () => {
    calls++;
    if (calls === 1) throw new Error('query log full');
  }, metrics);
  const sync = new AnsweredFeed(() => {
    throw new Error('bad hook');
  }, metrics);
  feed.notify(
    () => RECORD,
    () => log,
  );
  sync.notify(
    () => RECORD,
    () => log,
  );
  sync.notify(
    () => RECORD,
    () => log,
  );
  feed.notify(
    () => RECORD,
    () => log,
  );
  await turn();
  await turn();
  assert.equal(calls, 2);
  assert.equal(feed.failures, 1);
  assert.equal(sync.failures, 2);
  assert.equal((await metrics.answeredHookErrors.get()).values[0]?.value, 3);
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      [40, 'The onAnswered hook failed; the answer was not affected'],
      [40, 'The onAnswered hook failed; the answer was not affected'],
      [20, 'The onAnswered hook failed again'],
    ],
  );
});
