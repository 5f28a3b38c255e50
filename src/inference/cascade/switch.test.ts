import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoadworkError, isRoadworkError } from '../../core/errors/index.js';
import type { RgbImage } from '../image/index.js';
import { switchingPredictor, type Predictor } from './index.js';

const image: RgbImage = { data: new Uint8Array(3), width: 1, height: 1 };
const soon = () => ({ deadlineMs: Date.now() + 5_000 });

/** A predictor answering `p` after `ms` (or when `options.gate` resolves), recording its lifecycle. */
function timed(
  name: string,
  p: number,
  ms: number,
  options: { failStart?: boolean; gate?: Promise<void> } = {},
) {
  const events: string[] = [];
  let closed = false;
  const predictor: Predictor = {
    input: { size: p > 0.5 ? 448 : 224 } as Predictor['input'],
    async start() {
      events.push('start');
      await new Promise((r) => setTimeout(r, 20));
      if (options.failStart) throw new RoadworkError('ERR_MODEL_LOAD', `${name} does not load`);
    },
    async predict() {
      if (closed) throw new RoadworkError('ERR_WORKER_POOL_CLOSED', `${name} is closed`);
      await (options.gate ?? new Promise((r) => setTimeout(r, ms)));
      if (closed) throw new RoadworkError('ERR_WORKER_POOL_CLOSED', `${name} closed mid-prediction`);
      return { probability: p, modelVersion: name, stages: [] };
    },
    status: () => ({ ready: !closed, modelVersion: name }),
    async close() {
      events.push('close');
      closed = true;
    },
  };
  return { predictor, events };
}

test('a swap hands new requests to the next predictor and closes the old one after its last answer', async () => {
  let release = (): void => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const a = timed('a', 0.1, 0, { gate });
  const b = timed('b', 0.9, 5);
  const s = switchingPredictor(a.predictor);
  await s.start();
  const early = [s.predict(image, soon()), s.predict(image, soon())];
  const swapped = s.swap(b.predictor);
  // While b loads, a still answers.
  assert.equal(s.status().modelVersion, 'a');
  while (s.active !== b.predictor) await new Promise((r) => setTimeout(r, 5));
  assert.equal(s.input, b.predictor.input);
  const late = await s.predict(image, soon());
  assert.equal(late.modelVersion, 'b');
  assert.deepEqual(a.events, ['start'], 'a stays open while its predictions run');
  release();
  const answers = await Promise.all(early);
  assert.deepEqual(
    answers.map((x) => x.modelVersion),
    ['a', 'a'],
  );
  await swapped;
  assert.deepEqual(a.events, ['start', 'close']);
  assert.equal(s.status().modelVersion, 'b');
});

test('a predictor that fails to start is closed and the active one keeps serving', async () => {
  const a = timed('a', 0.1, 1);
  const bad = timed('bad', 0.9, 1, { failStart: true });
  const s = switchingPredictor(a.predictor);
  await s.start();
  await assert.rejects(s.swap(bad.predictor), (e) => isRoadworkError(e, 'ERR_MODEL_LOAD'));
  assert.deepEqual(bad.events, ['start', 'close']);
  assert.equal((await s.predict(image, soon())).modelVersion, 'a');
  // The next swap is not blocked by the failed one.
  const c = timed('c', 0.5, 1);
  await s.swap(c.predictor);
  assert.equal((await s.predict(image, soon())).modelVersion, 'c');
});

test('swaps run in call order; close() lets them finish and refuses later ones', async () => {
  const a = timed('a', 0.1, 1);
  const b = timed('b', 0.2, 1);
  const c = timed('c', 0.3, 1);
  const s = switchingPredictor(a.predictor);
  await s.start();
  const first = s.swap(b.predictor);
  const second = s.swap(c.predictor);
  await s.close();
  await Promise.all([first, second]);
  assert.deepEqual(a.events, ['start', 'close']);
  assert.deepEqual(b.events, ['start', 'close'], 'b was swapped in, then replaced by c');
  assert.deepEqual(c.events, ['start', 'close'], 'c was swapped in, then closed with the predictor');
  const late = timed('late', 0.5, 1);
  await assert.rejects(s.swap(late.predictor), (e) => isRoadworkError(e, 'ERR_SHUTTING_DOWN'));
  assert.deepEqual(
    late.events,
    ['close'],
    'a swap after close() never starts its predictor, and releases it',
  );

  const d = timed('d', 0.1, 1);
  const e = timed('e', 0.2, 1);
  const ordered = switchingPredictor(d.predictor);
  const seen: string[] = [];
  await Promise.all([
    ordered.swap(e.predictor).then(() => seen.push(ordered.status().modelVersion ?? '')),
    ordered.swap(timed('f', 0.3, 1).predictor).then(() => seen.push(ordered.status().modelVersion ?? '')),
  ]);
  assert.deepEqual(seen, ['e', 'f']);
  await ordered.close();
});
