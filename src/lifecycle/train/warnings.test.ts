// trainHead() refuses one-label rows and says when its numbers cannot be trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../core/random/index.js';
import { trainHead, type ViewRow } from './index.js';
import { atTemperatureBound, fitTemperature, TEMPERATURE_RANGE } from './_calibrate.js';

const options = {
  model: 'logistic' as const,
  l2: [1],
  hidden: 8,
  folds: 3,
  seed: 'warnings',
  tta: false,
  trainOnFlips: false,
  targetAccuracy: 0.95,
};

/** Rows whose features are noise: nothing to learn, so the held-out logits carry no signal. */
function noiseRows(n: number, label: (i: number) => 0 | 1): ViewRow[] {
  const rng = createRng('noise');
  return Array.from({ length: n }, (_, i) => ({
    image: i,
    group: `g${i % 12}`,
    label: label(i),
    level: 'source' as const,
    x: Float32Array.from({ length: 4 }, () => rng.uniform(-1, 1)),
  }));
}

test('trainHead() refuses rows of one label with ERR_DATASET_INVALID', async () => {
  await assert.rejects(
    () =>
      trainHead(
        noiseRows(24, () => 1),
        'fake',
        { ...options, log: () => undefined },
      ),
    {
      code: 'ERR_DATASET_INVALID',
      message: /both labels: 24 of 24 are roadwork/,
    },
  );
});

test('trainHead() warns when the temperature ends at its bound', async () => {
  const lines: string[] = [];
  const { head } = await trainHead(
    noiseRows(96, (i) => (i % 2 ? 1 : 0)),
    'fake',
    { ...options, log: (l) => lines.push(l) },
  );
  assert.ok(atTemperatureBound(head.temperature), `temperature ${head.temperature}`);
  assert.ok(
    lines.some((l) => /warning: the temperature ran to its bound/.test(l)),
    lines.join('\n'),
  );
});

test('atTemperatureBound() is true only at the ends of the search range', () => {
  assert.equal(atTemperatureBound(fitTemperature([3, -3, 2, -2], [1, 0, 1, 0])), true);
  assert.equal(atTemperatureBound(fitTemperature([3, -3, 2, -2, 1, -1], [1, 0, 0, 1, 1, 0])), false);
  assert.equal(atTemperatureBound(TEMPERATURE_RANGE[1]), true);
  assert.equal(atTemperatureBound(1), false);
});
