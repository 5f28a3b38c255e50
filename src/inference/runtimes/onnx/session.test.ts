// The ONNX session: graphs built here run through the real onnxruntime-node and give the numbers their weights imply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../../core/errors/index.js';
import { linearImageModel, noiseImage } from '../../../../test/fixtures/onnx-models.js';
import { readGraphFacts } from './_graph.js';
import { ONNXRUNTIME_SPINNING_DEFAULT, createOnnxSession, ortSessionOptions } from './_session.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

test('a linear image model runs in onnxruntime-node and matches the hand-computed logistic output', async () => {
  // Channel planes filled with constants: pooled values are the constants themselves.
  const size = 8;
  const input = new Float32Array(3 * size * size);
  input.fill(0.2, 0, 64);
  input.fill(0.5, 64, 128);
  input.fill(-1, 128, 192);
  const model = linearImageModel({
    inputSize: size,
    weights: [2, -1, 0.5],
    bias: 0.25,
    metadata: { k: 'v' },
  });
  const session = await createOnnxSession(model, { warmupShape: [1, 3, size, size] });
  try {
    const [p] = await session.run(input, [1, 3, size, size]);
    // 2·0.2 − 1·0.5 + 0.5·(−1) + 0.25 = −0.35
    assert.ok(Math.abs(p! - sigmoid(-0.35)) < 1e-6, `got ${p}`);
    assert.deepEqual(readGraphFacts(model).metadata, { k: 'v' });
    assert.deepEqual([session.inputName, session.outputName, session.device], ['input', 'output', 'cpu']);
  } finally {
    await session.release();
  }
});

test('a grid-pooled linear model weighs each cell and runs a batch of two', async () => {
  const size = 4;
  const weights = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 1 : -1) * (i + 1) * 0.1);
  const model = linearImageModel({ inputSize: size, grid: 2, weights, bias: -0.1, activation: 'none' });
  const session = await createOnnxSession(model);
  try {
    const a = noiseImage(size, 1);
    const b = noiseImage(size, 2);
    const batch = new Float32Array([...a, ...b]);
    const out = await session.run(batch, [2, 3, size, size]);
    const expected = [a, b].map((img) => {
      let score = -0.1;
      for (let c = 0; c < 3; c++) {
        for (let gy = 0; gy < 2; gy++) {
          for (let gx = 0; gx < 2; gx++) {
            let sum = 0;
            for (let y = 0; y < 2; y++) {
              for (let x = 0; x < 2; x++) sum += img[c * 16 + (gy * 2 + y) * 4 + gx * 2 + x]!;
            }
            score += weights[c * 4 + gy * 2 + gx]! * (sum / 4);
          }
        }
      }
      return score;
    });
    assert.equal(out.length, 2);
    for (let i = 0; i < 2; i++)
      assert.ok(Math.abs(out[i]! - expected[i]!) < 1e-5, `item ${i}: ${out[i]} vs ${expected[i]}`);
  } finally {
    await session.release();
  }
});

test('a batch larger than maxRunBatch runs in chunks and answers every image in order, as one by one', async () => {
  // 448 px: on the CPU the default runs four such images at a time (CPU_RUN_INPUT_FLOATS).
  const size = 448;
  const weights = Array.from({ length: 12 }, (_, i) => (i % 3) - 1 + i * 0.05);
  const model = linearImageModel({ inputSize: size, grid: 2, weights, bias: 0.1 });
  const images = Array.from({ length: 7 }, (_, i) => noiseImage(size, i + 1));
  const batch = new Float32Array(images.flatMap((img) => [...img]));
  const dims = [7, 3, size, size];
  const single = await createOnnxSession(model, { maxRunBatch: 1 });
  const whole = await createOnnxSession(model, { maxRunBatch: 7 });
  const chunked = await createOnnxSession(model, { maxRunBatch: 3 });
  const byDefault = await createOnnxSession(model);
  try {
    const expected: number[] = [];
    for (const img of images) expected.push(...(await single.run(img, [1, 3, size, size])));
    assert.equal(new Set(expected.map((p) => p.toFixed(6))).size, 7, 'the images must score apart');
    for (const session of [whole, chunked, byDefault, single]) {
      const out = await session.run(batch, dims);
      assert.equal(out.length, 7);
      out.forEach((p, i) =>
        assert.ok(Math.abs(p - expected[i]!) < 1e-6, `image ${i}: ${p} vs ${expected[i]}`),
      );
    }
    await assert.rejects(createOnnxSession(model, { maxRunBatch: 0 }), (err) =>
      isRoadworkError(err, 'ERR_INTERNAL'),
    );
  } finally {
    await Promise.all([single, whole, chunked, byDefault].map((s) => s.release()));
  }
});

test('createOnnxSession() fails with ERR_MODEL_LOAD on a missing or corrupt model', async () => {
  await assert.rejects(createOnnxSession('/nonexistent/model.onnx'), (err: unknown) =>
    isRoadworkError(err, 'ERR_MODEL_LOAD'),
  );
  await assert.rejects(createOnnxSession(new Uint8Array([1, 2, 3, 4])), (err: unknown) =>
    isRoadworkError(err, 'ERR_MODEL_LOAD'),
  );
});

test('device cuda either runs on CUDA or falls back to the CPU with a stated reason', async () => {
  const model = linearImageModel({ inputSize: 8, weights: [1, 1, 1], bias: 0 });
  const session = await createOnnxSession(model, { device: 'cuda' });
  try {
    if (session.device === 'cuda') assert.equal(session.fallbackReason, undefined);
    else assert.match(session.fallbackReason ?? '', /CUDA unavailable/);
    const [p] = await session.run(new Float32Array(3 * 64), [1, 3, 8, 8]);
    assert.ok(Math.abs(p! - 0.5) < 1e-6);
  } finally {
    await session.release();
  }
  if (session.device === 'cpu') {
    await assert.rejects(createOnnxSession(model, { device: 'cuda', fallbackToCpu: false }), (err: unknown) =>
      isRoadworkError(err, 'ERR_MODEL_LOAD'),
    );
  }
});

test('createOnnxSession() turns intra-op spinning off unless asked, and runs the same either way', async () => {
  const spin = (o: Parameters<typeof ortSessionOptions>[1]) =>
    (ortSessionOptions('cpu', o).extra as { session: { intra_op: { allow_spinning: string } } }).session
      .intra_op.allow_spinning;
  assert.equal(spin({ intraOpThreads: 2 }), ONNXRUNTIME_SPINNING_DEFAULT ? '1' : '0');
  assert.equal(spin({ intraOpThreads: 2, allowSpinning: true }), '1');
  assert.equal(spin({ intraOpThreads: 2, allowSpinning: false }), '0');
  const model = linearImageModel({ inputSize: 8, weights: [2, -1, 0.5], bias: 0.25 });
  const input = noiseImage(8, 3);
  const outputs: number[] = [];
  for (const allowSpinning of [true, false]) {
    const session = await createOnnxSession(model, { intraOpThreads: 2, allowSpinning });
    try {
      outputs.push((await session.run(input, [1, 3, 8, 8]))[0]!);
    } finally {
      await session.release();
    }
  }
  assert.equal(outputs[0], outputs[1]);
});
