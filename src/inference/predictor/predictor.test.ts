// Predictor tests: the committed baseline model and crafted bad models, run in real worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeClock } from '../../core/clock/index.js';
import { isRoadworkError, type ErrorCode } from '../../core/errors/index.js';
import { BASELINE_NORMALIZATION, buildLinearImageModel, createOnnxSession } from '../models/index.js';
import { createOnnxPredictor, toModelInput } from './index.js';
import { type RgbImage } from '../image/index.js';

const baseline = new URL('../../../models/baseline/model.onnx', import.meta.url).pathname;
const soon = (): { deadlineMs: number } => ({ deadlineMs: Date.now() + 5000 });

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
  'the baseline predictor answers what the model file computes, from worker threads',
  { timeout: 30_000 },
  async () => {
    const predictor = createOnnxPredictor({ modelPath: baseline, workers: 2 });
    await predictor.start();
    try {
      const version = createHash('sha256')
        .update(await readFile(baseline))
        .digest('hex')
        .slice(0, 12);
      assert.deepEqual(predictor.status(), {
        ready: true,
        modelVersion: version,
        workers: 2,
        detail: 'device cpu',
      });
      const [a, b] = await Promise.all([predictor.predict(street, soon()), predictor.predict(cones, soon())]);
      assert.equal(a.modelVersion, version);
      // The same file run directly on this thread, with the sidecar's normalisation, gives the same numbers.
      const session = await createOnnxSession(baseline);
      for (const [img, got] of [
        [street, a.probability],
        [cones, b.probability],
      ] as const) {
        const input = toModelInput(img.data, 224, 224, 224, BASELINE_NORMALIZATION);
        const [expected] = await session.run(input, [1, 3, 224, 224]);
        assert.ok(Math.abs(got - expected!) < 1e-6, `${got} vs ${expected}`);
      }
      await session.release();
      assert.notEqual(a.probability, b.probability, 'a learned model, not a constant');
      assert.equal(street.data[0], 120, 'the caller image is left intact');
      const odd = await predictor.predict(
        image(300, 200, () => [200, 120, 40]),
        soon(),
      );
      assert.ok(odd.probability >= 0 && odd.probability <= 1);
    } finally {
      await predictor.close();
    }
    assert.equal(predictor.status().ready, false);
    await assert.rejects(predictor.predict(street, soon()), hasCode('ERR_NOT_READY'));
  },
);

test('a prediction past its deadline is dropped before it runs', { timeout: 30_000 }, async () => {
  // The predictor's clock runs 10 s behind the workers' real clock, so only the worker sees the lateness.
  const clock = fakeClock(Date.now() - 10_000);
  const predictor = createOnnxPredictor({ modelPath: baseline, clock });
  await predictor.start();
  try {
    await assert.rejects(
      predictor.predict(street, { deadlineMs: clock.nowMs() - 1 }),
      hasCode('ERR_DEADLINE_EXCEEDED'),
    );
    await assert.rejects(
      predictor.predict(street, { deadlineMs: Date.now() - 1000 }),
      hasCode('ERR_DEADLINE_EXCEEDED'),
    );
    const fresh = await predictor.predict(street, { deadlineMs: Date.now() + 5000 });
    assert.ok(fresh.probability >= 0 && fresh.probability <= 1);
  } finally {
    await predictor.close();
  }
});

test(
  'a model that emits NaN or values above 1 fails with ERR_MODEL_OUTPUT',
  { timeout: 30_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roadwork-predictor-'));
    try {
      for (const [name, bias] of [
        ['above-one', 2],
        ['nan', Number.NaN],
      ] as const) {
        const path = join(dir, `${name}.onnx`);
        await writeFile(
          path,
          buildLinearImageModel({ inputSize: 32, weights: [0, 0, 0], bias, activation: 'none' }),
        );
        await writeFile(
          join(dir, `${name}.json`),
          JSON.stringify({ inputSize: 32, normalization: BASELINE_NORMALIZATION }),
        );
        const predictor = createOnnxPredictor({ modelPath: path });
        await predictor.start();
        try {
          await assert.rejects(predictor.predict(street, soon()), hasCode('ERR_MODEL_OUTPUT'));
        } finally {
          await predictor.close();
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test(
  'start() fails with ERR_MODEL_LOAD for a missing model or a broken sidecar',
  { timeout: 30_000 },
  async () => {
    await assert.rejects(
      createOnnxPredictor({ modelPath: '/nonexistent/x.onnx' }).start(),
      hasCode('ERR_MODEL_LOAD'),
    );
    const dir = await mkdtemp(join(tmpdir(), 'roadwork-predictor-'));
    try {
      const path = join(dir, 'm.onnx');
      await writeFile(path, buildLinearImageModel({ inputSize: 32, weights: [1, 1, 1], bias: 0 }));
      await writeFile(
        join(dir, 'm.json'),
        JSON.stringify({ inputSize: 32, normalization: { mean: [0, 0], std: [1, 1, 1] } }),
      );
      await assert.rejects(createOnnxPredictor({ modelPath: path }).start(), hasCode('ERR_MODEL_LOAD'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);
