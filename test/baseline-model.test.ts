// The baseline model's graph (scripts/_baseline-model.ts) run through the real onnxruntime-node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOnnxSession } from '../src/inference/runtimes/onnx/index.js';
import {
  BASELINE_FEATURE_COUNT,
  buildBaselineFeatureModel,
  buildBaselineModel,
} from '../scripts/_baseline-model.js';
import { noiseImage } from './fixtures/onnx-models.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

test('the baseline feature graph computes the colour features it documents', async () => {
  const size = 8;
  const input = noiseImage(size, 7);
  // Paint a cone-orange pixel and a sign-yellow pixel into the top-left 2×2 mask cell.
  const px = (y: number, x: number, rgb: readonly number[]): void =>
    rgb.forEach((v, c) => (input[c * 64 + y * 8 + x] = v));
  px(0, 0, [0.95, 0.4, 0.1]);
  px(0, 1, [0.9, 0.8, 0.2]);
  px(1, 0, [0.1, 0.1, 0.1]);
  px(1, 1, [0.5, 0.5, 0.5]);
  const session = await createOnnxSession(buildBaselineFeatureModel({ inputSize: size }));
  try {
    const f = await session.run(input, [1, 3, size, size]);
    assert.equal(f.length, BASELINE_FEATURE_COUNT);
    assert.ok(Math.abs(f[0]! - 0.95) < 1e-6, 'the first pooled cell (1×1 at size 8) is the red value');
    // Mask features start after 192 pooled RGB values; cell 0 of orange and of yellow hold 1 of 4 pixels.
    assert.ok(Math.abs(f[192]! - Math.sqrt(0.25)) < 1e-6, `orange ${f[192]}`);
    assert.ok(Math.abs(f[192 + 16]! - Math.sqrt(0.25)) < 1e-6, `yellow ${f[208]}`);
    // Chroma (max − min) of cell 0: (0.85 + 0.7 + 0 + 0) / 4.
    assert.ok(Math.abs(f[224]! - 0.3875) < 1e-6, `chroma ${f[224]}`);
    const red = input.subarray(0, 64);
    const mean = red.reduce((a, b) => a + b, 0) / 64;
    const std = Math.sqrt(red.reduce((a, b) => a + (b - mean) ** 2, 0) / 64);
    assert.ok(
      Math.abs(f[BASELINE_FEATURE_COUNT - 3]! - std) < 1e-4,
      `spread ${f[BASELINE_FEATURE_COUNT - 3]} vs ${std}`,
    );
  } finally {
    await session.release();
  }
});

test('buildBaselineModel() folds standardisation into the logistic layer', async () => {
  const size = 8;
  const input = noiseImage(size, 3);
  const featureSession = await createOnnxSession(buildBaselineFeatureModel({ inputSize: size }));
  const weights = Array.from({ length: BASELINE_FEATURE_COUNT }, (_, j) => Math.sin(j) * 0.3);
  const featureMean = Array.from({ length: BASELINE_FEATURE_COUNT }, (_, j) => 0.1 + (j % 5) * 0.05);
  const featureStd = Array.from({ length: BASELINE_FEATURE_COUNT }, (_, j) => 0.2 + (j % 3) * 0.1);
  const full = await createOnnxSession(
    buildBaselineModel({ weights, bias: 0.3, featureMean, featureStd }, { inputSize: size }),
  );
  try {
    const f = await featureSession.run(input, [1, 3, size, size]);
    let score = 0.3;
    for (let j = 0; j < BASELINE_FEATURE_COUNT; j++)
      score += (weights[j]! * (f[j]! - featureMean[j]!)) / featureStd[j]!;
    const [p] = await full.run(input, [1, 3, size, size]);
    assert.ok(Math.abs(p! - sigmoid(score)) < 1e-4, `${p} vs ${sigmoid(score)}`);
  } finally {
    await Promise.all([featureSession.release(), full.release()]);
  }
});
