import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { createImageDecoder, DEFAULT_IMAGE_POLICY, type InputPolicy } from '../../inference/image/index.js';
import { createMetrics } from '../../core/metrics/index.js';
import type { Predictor } from '../../inference/cascade/types.js';
import { forward, type ForwardDeps } from './_forward.js';
import { redCascade, solidJpeg } from './_test-support.js';

const decode = createImageDecoder();
const MINER = '5Miner';
const live = () => ({ deadlineMs: Date.now() + 5000, signal: new AbortController().signal });

test('forward() answers the prediction with the cascade stages and version, and times decode and predict', async (t) => {
  const cascade = await redCascade(32);
  t.after(() => cascade.close());
  const metrics = createMetrics({ processMetrics: false });
  const synapse = {
    image: await solidJpeg([255, 0, 0]),
    name: 'ImageSynapse',
    timeout: 9,
    dendrite: { hotkey: '5Val', nested: { deep: 1 } },
    invented: 'x'.repeat(10),
  };
  const got = await forward(synapse, { predictor: cascade, decode, metrics, hotkey: MINER }, live());
  assert.ok(got.prediction.probability > 0.95, String(got.prediction.probability));
  assert.deepEqual(got.fields, {
    name: 'ImageSynapse',
    timeout: 9,
    dendrite: { hotkey: '5Val' },
    image: '',
    prediction: got.prediction.probability,
  });
  assert.equal(got.prediction.modelVersion, cascade.version());
  const [stage] = got.prediction.stages ?? [];
  assert.equal(stage?.stage, 'red');
  // Decoded to the cascade's own 32² square, not the default 224².
  assert.deepEqual((stage as { detail?: unknown }).detail, { pixels: 32 * 32 });
  assert.ok(got.decodeMs > 0 && got.predictMs >= 0);
  const predict = (await metrics.predictSeconds.get()).values.find((v) => v.metricName?.endsWith('_count'));
  assert.deepEqual(
    [predict?.labels.hotkey, predict?.labels.model, predict?.value],
    [MINER, cascade.version(), 1],
  );
});

test('forward() decodes to the default policy for a predictor that names none', async () => {
  const seen: InputPolicy[] = [];
  const predictor: Predictor = {
    start: async () => undefined,
    predict: async (image) => ({ probability: image.width / 1000, modelVersion: 'plain' }),
    status: () => ({ ready: true }),
    close: async () => undefined,
  };
  const spy: ForwardDeps['decode'] = (b64, o) => {
    seen.push(o.policy);
    return decode(b64, o);
  };
  const metrics = createMetrics({ processMetrics: false });
  const got = await forward(
    { image: await solidJpeg([0, 0, 0]) },
    { predictor, decode: spy, metrics, hotkey: MINER },
    live(),
  );
  assert.deepEqual(seen, [DEFAULT_IMAGE_POLICY]);
  assert.equal(got.prediction.probability, 0.224);
});

test('forward() refuses a missing image, a probability outside [0, 1] and a deadline passed while decoding', async () => {
  const metrics = createMetrics({ processMetrics: false });
  const answering = (p: number): Predictor => ({
    start: async () => undefined,
    predict: async () => ({ probability: p, modelVersion: 'm' }),
    status: () => ({ ready: true }),
    close: async () => undefined,
  });
  const deps = { predictor: answering(0.5), decode, metrics, hotkey: MINER };
  await assert.rejects(forward({ image: '' }, deps, live()), (e) => isRoadworkError(e, 'ERR_IMAGE_MISSING'));
  await assert.rejects(forward({}, deps, live()), (e) => isRoadworkError(e, 'ERR_IMAGE_MISSING'));
  const image = await solidJpeg([9, 9, 9]);
  await assert.rejects(forward({ image }, { ...deps, predictor: answering(Number.NaN) }, live()), (e) =>
    isRoadworkError(e, 'ERR_MODEL_OUTPUT'),
  );
  await assert.rejects(forward({ image }, { ...deps, predictor: answering(1.5) }, live()), (e) =>
    isRoadworkError(e, 'ERR_MODEL_OUTPUT'),
  );
  const controller = new AbortController();
  const late = forward({ image }, deps, { deadlineMs: Date.now() + 5000, signal: controller.signal });
  controller.abort();
  await assert.rejects(late, (e) => isRoadworkError(e, 'ERR_DEADLINE_EXCEEDED'));
});
