// The tfjs runtime on the real MobileNetV2 weights shipped in nsfwjs, in real worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateScene } from '../../../data/procedural/index.js';
import { createRng } from '../../../core/random/index.js';
import { fakeClock } from '../../../core/clock/index.js';
import { isRoadworkError } from '../../../core/errors/index.js';
import { testContext } from '../_test-context.js';
import type { RgbImage } from '../../image/index.js';
import { loadTfjsEmbedder, tfjsModelSpec } from './index.js';

const context = (workers: number) => testContext(workers);

function scene(seed: string, roadwork: boolean, width = 224, height = 224): RgbImage {
  const s = generateScene(createRng(seed), { roadwork, width, height });
  return { width: s.width, height: s.height, data: s.rgb };
}

test(
  'the tfjs embedder runs the nsfwjs MobileNetV2 and gives 1280 finite, deterministic numbers',
  { timeout: 120_000 },
  async () => {
    const images = [scene('a', true), scene('b', false), scene('c', true, 320, 240)];
    const first = await loadTfjsEmbedder({ runtime: 'tfjs', model: 'builtin:mobilenetv2' }, context(2));
    let again: Float32Array[];
    let once: Float32Array[];
    try {
      assert.equal(first.dims, 1280);
      assert.match(first.version, /^tfjs:nsfwjs-4\.3\.0-mobilenetv2:flatten_1:1280:[0-9a-f]{12}:0,1$/);
      once = await first.embed(images, { deadlineMs: Date.now() + 60_000 });
      again = await first.embed(images, { deadlineMs: Date.now() + 60_000 });
    } finally {
      await first.close();
    }
    assert.equal(once.length, 3);
    for (const e of once) {
      assert.equal(e.length, 1280);
      assert.ok(e.every(Number.isFinite));
      // ReLU features after average pooling: non-negative and not all zero.
      assert.ok(e.every((v) => v >= 0) && e.some((v) => v > 0));
    }
    assert.deepEqual(again, once);
    // Different images give different embeddings.
    assert.notDeepEqual(once[0], once[1]);

    // A fresh load (one worker, so every image takes another batch path) reproduces them exactly.
    const second = await loadTfjsEmbedder({ runtime: 'tfjs', model: 'builtin:mobilenetv2' }, context(1));
    try {
      const [solo] = await second.embed([images[1]!], { deadlineMs: Date.now() + 60_000 });
      for (let i = 0; i < 1280; i++) assert.ok(Math.abs(solo![i]! - once[1]![i]!) < 1e-4);
    } finally {
      await second.close();
    }
  },
);

test('tfjsModelSpec() rejects unknown options and URLs, naming the valid options', () => {
  assert.throws(
    () => tfjsModelSpec({ runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { size: 3 } }),
    /Invalid tfjs option key: "size"; tfjs options are layer, pooling, inputRange, inputSize, tiles, extras/,
  );
  assert.throws(
    () => tfjsModelSpec({ runtime: 'tfjs', model: 'https://x/model.json' }),
    /only local folders/,
  );
  assert.throws(
    () => tfjsModelSpec({ runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { inputSize: 12.5 } }),
    /inputSize: 12.5 \(want an integer pixel size from 32 to 1024\)/,
  );
  assert.throws(
    () => tfjsModelSpec({ runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { allowSpinning: 'no' } }),
    /allowSpinning: "no" \(want true or false\)/,
  );
  const spinning = { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { allowSpinning: true } };
  assert.equal(tfjsModelSpec(spinning).allowSpinning, true);
  assert.equal(tfjsModelSpec({ runtime: 'tfjs', model: 'm' }).model.startsWith('/'), true);
});

test('an unknown builtin or layer fails to load with the valid names', { timeout: 60_000 }, async () => {
  await assert.rejects(
    loadTfjsEmbedder({ runtime: 'tfjs', model: 'builtin:resnet' }, context(1)),
    /valid builtins are builtin:mobilenetv2, builtin:inceptionv3/,
  );
  await assert.rejects(
    loadTfjsEmbedder(
      { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { layer: 'nope' } },
      context(1),
    ),
    /no layer: "nope"; its last layers are .*flatten_1/,
  );
});

test(
  'pooled layers concatenate in order; the average pool of out_relu is flatten_1',
  { timeout: 60_000 },
  async () => {
    const image = scene('pool', true);
    const plain = await loadTfjsEmbedder({ runtime: 'tfjs', model: 'builtin:mobilenetv2' }, context(1));
    const pooled = await loadTfjsEmbedder(
      {
        runtime: 'tfjs',
        model: 'builtin:mobilenetv2',
        options: { layer: ['out_relu', 'block_13_expand_relu'], pooling: 'avgmax' },
      },
      context(1),
    );
    try {
      assert.equal(pooled.dims, 2 * 1280 + 2 * 576);
      assert.match(pooled.version, /:out_relu\+block_13_expand_relu@avgmax:3712:/);
      const deadline = { deadlineMs: Date.now() + 60_000 };
      const [a] = await plain.embed([image], deadline);
      const [b] = await pooled.embed([image], deadline);
      for (let i = 0; i < 1280; i++) assert.ok(Math.abs(a![i]! - b![i]!) < 1e-4);
      // The max over the 7×7 grid is never below the average.
      for (let i = 0; i < 1280; i++) assert.ok(b![1280 + i]! >= b![i]! - 1e-6);
    } finally {
      await plain.close();
      await pooled.close();
    }
  },
);

test(
  'inputSize runs the backbone at another resolution: a 2x grid, the classifier cut off',
  { timeout: 60_000 },
  async () => {
    const image = scene('big', true);
    const options = { layer: 'out_relu', pooling: 'max' };
    const at224 = await loadTfjsEmbedder(
      { runtime: 'tfjs', model: 'builtin:mobilenetv2', options },
      context(1),
    );
    const at448 = await loadTfjsEmbedder(
      { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { ...options, inputSize: 448 } },
      context(1),
    );
    try {
      assert.equal(at448.dims, 1280);
      assert.match(at448.version, /^tfjs:nsfwjs-4\.3\.0-mobilenetv2@448:out_relu@max:1280:/);
      const deadline = { deadlineMs: Date.now() + 60_000 };
      const [a] = await at224.embed([image], deadline);
      const [b] = await at448.embed([image], deadline);
      assert.ok(b!.every(Number.isFinite) && b!.some((v) => v > 0));
      // Same weights, another scale: related but not the same features.
      assert.notDeepEqual(a, b);
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < 1280; i++) {
        dot += a![i]! * b![i]!;
        na += a![i]! ** 2;
        nb += b![i]! ** 2;
      }
      assert.ok(dot / Math.sqrt(na * nb) > 0.5, `cosine ${dot / Math.sqrt(na * nb)}`);
    } finally {
      await at224.close();
      await at448.close();
    }
    await assert.rejects(
      loadTfjsEmbedder(
        { runtime: 'tfjs', model: 'builtin:mobilenetv2', options: { layer: 'nope', inputSize: 448 } },
        context(1),
      ),
      /no layer: "nope"/,
    );
  },
);

test('builtin:inceptionv3 embeds at 299² into 2048 finite ReLU features', { timeout: 120_000 }, async () => {
  const inception = await loadTfjsEmbedder({ runtime: 'tfjs', model: 'builtin:inceptionv3' }, context(1));
  try {
    assert.equal(inception.dims, 2048);
    assert.match(inception.version, /^tfjs:nsfwjs-4\.3\.0-inceptionv3:flatten_1:2048:[0-9a-f]{12}:0,1$/);
    const [a, b] = await inception.embed([scene('i1', true), scene('i2', false)], {
      deadlineMs: Date.now() + 100_000,
    });
    for (const e of [a!, b!]) assert.ok(e.every((v) => Number.isFinite(v) && v >= 0) && e.some((v) => v > 0));
    assert.notDeepEqual(a, b);
  } finally {
    await inception.close();
  }
});

test(
  'the tfjs embedder checks its deadline on the runtime clock before it posts a job',
  { timeout: 120_000 },
  async () => {
    const clock = fakeClock(Date.now());
    const embedder = await loadTfjsEmbedder(
      { runtime: 'tfjs', model: 'builtin:mobilenetv2' },
      testContext(1, { clock }),
    );
    try {
      const deadlineMs = clock.nowMs() + 60_000;
      const [first] = await embedder.embed([scene('c1', true)], { deadlineMs });
      assert.equal(first?.length, 1280);
      // Past the deadline on the runtime's clock, still a minute ahead on the wall clock: refused.
      clock.advance(61_000);
      await assert.rejects(embedder.embed([scene('c1', true)], { deadlineMs }), (err) =>
        isRoadworkError(err, 'ERR_DEADLINE_EXCEEDED'),
      );
    } finally {
      await embedder.close();
    }
  },
);
