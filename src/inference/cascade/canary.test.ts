import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RgbImage } from '../image/index.js';
import { canaryPredictor, hashShare, type CanaryArm, type Predictor } from './index.js';

/** An image whose key (see `key` below) is `k`. */
const img = (k: number): RgbImage => ({ data: new Uint8Array([k * 255, 0, 0]), width: 1, height: 1 });
const key = (image: RgbImage): number => image.data[0]! / 256;
const soon = () => ({ deadlineMs: Date.now() + 5_000 });

function constant(name: string, p: number, ready = true) {
  let closed = 0;
  const predictor: Predictor = {
    start: async () => undefined,
    predict: async () => ({ probability: p, modelVersion: name, stages: [] }),
    status: () => ({ ready, modelVersion: name }),
    close: async () => void closed++,
  };
  return { predictor, closed: () => closed };
}

test('the canary answers the images whose key is below its share, the same image always on the same side', async () => {
  const primary = constant('prod', 0.1);
  const candidate = constant('cand', 0.9);
  const seen: CanaryArm[] = [];
  const c = canaryPredictor({
    primary: primary.predictor,
    candidate: candidate.predictor,
    share: 0.25,
    key,
    onAnswer: (arm) => seen.push(arm),
  });
  await c.start();
  assert.equal((await c.predict(img(0.1), soon())).modelVersion, 'cand');
  assert.equal((await c.predict(img(0.1), soon())).modelVersion, 'cand');
  assert.equal((await c.predict(img(0.5), soon())).modelVersion, 'prod');
  assert.deepEqual(seen, ['candidate', 'candidate', 'primary']);
  assert.match(c.status().detail ?? '', /canary: cand answers 25 % of images/);
  assert.equal(c.status().modelVersion, 'prod');
  await c.close();
  assert.equal(primary.closed(), 1);
  assert.equal(candidate.closed(), 1);
});

test('a canary is ready only when both sides are', () => {
  const c = canaryPredictor({
    primary: constant('prod', 0.1).predictor,
    candidate: constant('cand', 0.9, false).predictor,
    share: 0.5,
    key,
  });
  assert.equal(c.status().ready, false);
  assert.match(c.status().detail ?? '', /\(not ready\)/);
});

test('hashShare spreads hex hashes uniformly over [0, 1)', () => {
  assert.equal(hashShare('00000000ffff'), 0);
  assert.equal(hashShare('80000000'), 0.5);
  assert.ok(hashShare('ffffffff') < 1);
  // 4 096 pseudo-random hashes: about a tenth fall under 0.1.
  let under = 0;
  let x = 0x9e3779b9;
  for (let i = 0; i < 4096; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    if (hashShare(x.toString(16).padStart(8, '0')) < 0.1) under++;
  }
  assert.ok(under > 330 && under < 490, `${under} of 4096 under 0.1`);
});
