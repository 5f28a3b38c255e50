// ONNX classifiers through the runtime registry: the committed baseline model and crafted bad models,
// run in real worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fakeClock } from '../../../core/clock/index.js';
import { isRoadworkError, type ErrorCode } from '../../../core/errors/index.js';
import { linearImageModel } from '../../../../test/fixtures/onnx-models.js';
import type { RgbImage } from '../../image/index.js';
import { PoolHealth } from '../../workers/index.js';
import { loadModel } from '../index.js';
import { testContext, withDir } from '../_test-context.js';
import { createOnnxSession, toModelInput } from './index.js';

const baseline = new URL('../../../../models/baseline/model.onnx', import.meta.url).pathname;
/** What models/baseline/model.json declares: RGB in [0, 1], no mean/std shift. */
const RAW_PIXELS = { mean: [0, 0, 0], std: [1, 1, 1] } as const;
const soon = (): { deadlineMs: number } => ({ deadlineMs: Date.now() + 5000 });
const classifier = (model: string, ctx = testContext(1), options?: Record<string, unknown>) =>
  loadModel('classifier', { runtime: 'onnx', model, ...(options ? { options } : {}) }, ctx);

function image(
  width: number,
  height: number,
  paint: (x: number, y: number) => [number, number, number],
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(paint(x, y), (y * width + x) * 3);
  }
  return { data, width, height };
}

const street = image(224, 224, (x, y) => (y > 120 ? [90, 90, 95] : [120 + (x % 50), 160, 220]));
const cones = image(224, 224, (x, y) =>
  y > 120 && x % 40 < 12 ? [240, 110, 30] : y > 120 ? [90, 90, 95] : [200, 200, 190],
);

function hasCode(code: ErrorCode) {
  return (err: unknown): boolean => {
    assert.ok(isRoadworkError(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  };
}

test(
  'the baseline classifier answers what the model file computes, from worker threads',
  { timeout: 30_000 },
  async () => {
    const pools = new PoolHealth();
    const model = await classifier(baseline, testContext(2, { pools }));
    try {
      const version = createHash('sha256')
        .update(await readFile(baseline))
        .digest('hex')
        .slice(0, 12);
      assert.equal(model.version, version);
      assert.deepEqual(pools.down(), [], 'its pool is up');
      const [a, b] = await Promise.all([model.classify(street, soon()), model.classify(cones, soon())]);
      // The same file run directly on this thread, with the sidecar's normalisation, gives the same numbers.
      const session = await createOnnxSession(baseline);
      for (const [img, got] of [
        [street, a],
        [cones, b],
      ] as const) {
        const input = toModelInput(img.data, 224, 224, 224, RAW_PIXELS);
        const [expected] = await session.run(input, [1, 3, 224, 224]);
        assert.ok(Math.abs(got - expected!) < 1e-6, `${got} vs ${expected}`);
      }
      await session.release();
      assert.notEqual(a, b, 'a learned model, not a constant');
      assert.equal(street.data[0], 120, 'the caller image is left intact');
      const odd = await model.classify(
        image(300, 200, () => [200, 120, 40]),
        soon(),
      );
      assert.ok(odd >= 0 && odd <= 1);
    } finally {
      await model.close();
    }
    await assert.rejects(model.classify(street, soon()), hasCode('ERR_WORKER_POOL_CLOSED'));
  },
);

test(
  'a classification past its deadline is dropped before it runs; the deadline is on the injected clock, not the worker’s',
  { timeout: 30_000 },
  async () => {
    // The context's clock runs 10 s behind the wall clock: deadlines are on it, and the worker gets the
    // budget left on it, so a wall-clock comparison in the worker would drop work that still has time.
    const clock = fakeClock(Date.now() - 10_000);
    const model = await classifier(baseline, testContext(1, { clock }));
    try {
      await assert.rejects(
        model.classify(street, { deadlineMs: clock.nowMs() - 1 }),
        hasCode('ERR_DEADLINE_EXCEEDED'),
      );
      // 5 s left on the clock, though that instant is 5 s in the wall clock's past: it runs.
      const fresh = await model.classify(street, { deadlineMs: clock.nowMs() + 5000 });
      assert.ok(fresh >= 0 && fresh <= 1);
    } finally {
      await model.close();
    }
  },
);

test('a model that emits NaN or values above 1 fails with ERR_MODEL_OUTPUT', { timeout: 30_000 }, () =>
  withDir(async (dir) => {
    for (const [name, bias] of [
      ['above-one', 2],
      ['nan', Number.NaN],
    ] as const) {
      const path = join(dir, `${name}.onnx`);
      await writeFile(
        path,
        linearImageModel({ inputSize: 32, weights: [0, 0, 0], bias, activation: 'none' }),
      );
      await writeFile(
        join(dir, `${name}.json`),
        JSON.stringify({ inputSize: 32, normalization: RAW_PIXELS }),
      );
      const model = await classifier(path);
      try {
        await assert.rejects(model.classify(street, soon()), hasCode('ERR_MODEL_OUTPUT'));
      } finally {
        await model.close();
      }
    }
  }),
);

test(
  'loading fails with ERR_MODEL_LOAD for a missing model, a broken sidecar or bad metadata, ERR_CONFIG_INVALID for a bad option',
  { timeout: 30_000 },
  () =>
    withDir(async (dir) => {
      await assert.rejects(classifier('/nonexistent/x.onnx'), hasCode('ERR_MODEL_LOAD'));
      const path = join(dir, 'm.onnx');
      await writeFile(path, linearImageModel({ inputSize: 32, weights: [1, 1, 1], bias: 0 }));
      await writeFile(
        join(dir, 'm.json'),
        JSON.stringify({ inputSize: 32, normalization: { mean: [0, 0], std: [1, 1, 1] } }),
      );
      await assert.rejects(classifier(path), hasCode('ERR_MODEL_LOAD'));
      await assert.rejects(classifier(path, testContext(1), { size: 4 }), hasCode('ERR_CONFIG_INVALID'));
      const meta = join(dir, 'meta.onnx');
      await writeFile(
        meta,
        linearImageModel({ inputSize: 32, weights: [1, 1, 1], bias: 0, metadata: { normalization: 'raw' } }),
      );
      await assert.rejects(classifier(meta), hasCode('ERR_MODEL_LOAD'));
    }),
);

test(
  'without a sidecar the model metadata sets input size and normalisation; input_size overrides both',
  { timeout: 30_000 },
  () =>
    withDir(async (dir) => {
      // p = σ(R + G + B − 1.5) over pooled values: raw pixels give σ(1.5) on white, ImageNet statistics far more.
      const weights = [1, 1, 1];
      const white = image(32, 32, () => [255, 255, 255]);
      const path = join(dir, 'm.onnx');
      const metadata = { input_size: '32', normalization: JSON.stringify(RAW_PIXELS) };
      await writeFile(path, linearImageModel({ inputSize: 32, weights, bias: -1.5, metadata }));
      const model = await classifier(path);
      try {
        const p = await model.classify(white, soon());
        assert.ok(Math.abs(p - 1 / (1 + Math.exp(-1.5))) < 1e-6, String(p));
      } finally {
        await model.close();
      }
      // The option wins: at 64 px the graph, pooled for 32, cannot run, so loading (its probe) fails.
      await assert.rejects(classifier(path, testContext(1), { size: 64 }));
    }),
);
