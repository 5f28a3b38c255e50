// The ONNX engine against the wasm engine on the real nsfwjs weights: same numbers, same version, so
// heads trained on wasm embeddings (the shipped starter) stay valid; plus the cache and the fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type * as Tf from '@tensorflow/tfjs';
import { headProbability, loadHead } from '../../heads/index.js';
import { generateScene } from '../../../data/procedural/index.js';
import { augmentImage } from '../../../validation/validator/index.js';
import { createRng } from '../../../core/random/index.js';
import { decodeRgb, type RgbImage } from '../../image/index.js';
import { openImageFolder } from '../../../data/sources/index.js';
import { photosMissing, requirement } from '../../../../test/fixtures/requirements.js';
import { randomizeWeights, saved, tfReady } from '../convert/_test-keras.js';
import { testContext } from '../_test-context.js';
import type { ImageEmbedder } from '../types.js';
import { resolveModel } from './_artifacts.js';
import { onnxGraphFor } from './_onnx-graph.js';
import { GRAPH_FOLDER, loadTfjsEmbedder, tfjsModelSpec } from './index.js';

const DATA = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));
const REAL = join(DATA, 'roadwork-real-train');
const STARTER_HEAD = fileURLToPath(new URL('../../../../models/starter/head.json', import.meta.url));
const soon = () => ({ deadlineMs: Date.now() + 300_000 });

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tfjs-onnx-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function pair(model: string, options: Record<string, unknown>, cacheDir: string) {
  const wasm = await loadTfjsEmbedder(
    { runtime: 'tfjs', model, options: { ...options, engine: 'wasm' } },
    testContext(1),
  );
  const onnx = await loadTfjsEmbedder(
    { runtime: 'tfjs', model, options: { ...options, engine: 'onnx' } },
    testContext(1, { cacheDir }),
  );
  return { wasm, onnx };
}

/** Both engines' embeddings of `images`, and the largest |a − b| over every value. */
async function compare(a: ImageEmbedder, b: ImageEmbedder, images: readonly RgbImage[]) {
  const [x, y] = [await a.embed(images, soon()), await b.embed(images, soon())];
  let worst = 0;
  x.forEach((e, i) => e.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - y[i]![j]!)))));
  return { a: x, b: y, worst };
}

test(
  'the ONNX engine embeds real photos like the wasm engine (max abs diff < 1e-3) under the starter head’s version',
  { timeout: 300_000, skip: requirement(photosMissing(REAL)) },
  (t) =>
    withDir(async (cacheDir) => {
      const source = await openImageFolder(REAL);
      const picked = [
        ...source.images.filter((i) => i.label === 1).slice(0, 10),
        ...source.images.filter((i) => i.label === 0).slice(0, 10),
      ];
      // Each photo at its own size (the engines resize it) and as the validator's 224² level-0 view.
      const images: RgbImage[] = [];
      for (const img of picked) {
        const bytes = await img.load();
        images.push(await decodeRgb(bytes));
        images.push(
          await decodeRgb((await augmentImage(bytes, createRng(`engines|${img.id}`), { level: 0 })).jpeg),
        );
      }
      // The starter's 2.0.4 route: the last 14×14 map at 448 px, max-pooled, with the colour/shape features.
      const starter = { layer: 'out_relu', pooling: 'max', inputSize: 448, extras: ['colour-shape'] };
      const { wasm, onnx } = await pair('builtin:mobilenetv2', starter, cacheDir);
      try {
        const head = await loadHead(STARTER_HEAD);
        assert.equal(onnx.version, wasm.version);
        assert.equal(onnx.version, head.embedder, 'the shipped head matches the ONNX engine’s embeddings');
        assert.equal(onnx.dims, wasm.dims);
        const { a, b, worst } = await compare(wasm, onnx, images);
        // What the miner answers: the starter head's probability, per view.
        const p = (e: Float32Array) => headProbability(head, e);
        const dp = Math.max(...a.map((e, i) => Math.abs(p(e) - p(b[i]!))));
        t.diagnostic(
          `MobileNetV2 at 448 px, max-pooled, + colour-shape, ${images.length} views of real photos: max abs diff ${worst}; starter head probability max diff ${dp}`,
        );
        assert.ok(worst < 1e-3, `max abs diff ${worst}`);
        assert.ok(dp < 1e-3, `starter head probability max diff ${dp}`);
      } finally {
        await Promise.all([wasm.close(), onnx.close()]);
      }
    }),
);

test('the ONNX engine runs builtin:inceptionv3 like the wasm engine', { timeout: 300_000 }, (t) =>
  withDir(async (cacheDir) => {
    const images = ['i1', 'i2'].map((seed, i) => {
      const s = generateScene(createRng(seed), { roadwork: i === 0, width: 320, height: 240 });
      return { width: s.width, height: s.height, data: s.rgb };
    });
    const { wasm, onnx } = await pair('builtin:inceptionv3', {}, cacheDir);
    try {
      assert.equal(onnx.version, wasm.version);
      const { worst } = await compare(wasm, onnx, images);
      t.diagnostic(`InceptionV3, 2 synthetic scenes: max abs diff ${worst}`);
      assert.ok(worst < 1e-3, `max abs diff ${worst}`);
    } finally {
      await Promise.all([wasm.close(), onnx.close()]);
    }
  }),
);

test('the converted graph is cached on disk by content, rebuilt when incomplete, kept in memory when unwritable', () =>
  withDir(async (cacheDir) => {
    const spec = tfjsModelSpec({ runtime: 'tfjs', model: 'builtin:mobilenetv2' });
    const model = await resolveModel(spec);
    const logger = pino({ level: 'silent' });
    const first = await onnxGraphFor(model, spec, { cacheDir, logger });
    assert.equal(first.cache, 'built');
    assert.equal(first.dims, 1280);
    const again = await onnxGraphFor(model, spec, { cacheDir, logger });
    assert.deepEqual(again, { ...first, cache: 'hit' });
    const files = await readdir(join(cacheDir, GRAPH_FOLDER));
    assert.equal(files.filter((f) => !f.includes('.part')).length, 2, files.join());
    // Another layer is another graph.
    const other = tfjsModelSpec({
      runtime: 'tfjs',
      model: 'builtin:mobilenetv2',
      options: { layer: 'out_relu', pooling: 'max' },
    });
    const max = await onnxGraphFor(await resolveModel(other), other, { cacheDir, logger });
    assert.equal(max.cache, 'built');
    assert.notEqual(max.source, first.source);
    // A graph without its meta file (a crash between the two renames) is converted again.
    await rm(String(first.source).replace(/\.onnx$/, '.json'));
    assert.equal((await onnxGraphFor(model, spec, { cacheDir, logger })).cache, 'built');
    // A cache folder inside an existing one is made; a made-up path at the root is left absent.
    const nested = join(cacheDir, 'models');
    assert.equal((await onnxGraphFor(model, spec, { cacheDir: nested, logger })).cache, 'built');
    // A fresh data_dir (`<data_dir>/models` where data_dir does not exist yet) is made too.
    const fresh = join(cacheDir, 'fresh-data-dir', 'models');
    assert.equal((await onnxGraphFor(model, spec, { cacheDir: fresh, logger })).cache, 'built');
    const absent = `/roadwork-absent-${process.pid}`;
    assert.equal((await onnxGraphFor(model, spec, { cacheDir: absent, logger })).cache, 'memory');
    assert.equal(existsSync(absent), false);
    assert.equal(
      (await onnxGraphFor(model, spec, { cacheDir: join(absent, 'models'), logger })).cache,
      'memory',
    );
    assert.equal(existsSync(absent), false);
    const blocked = join(cacheDir, 'a-file');
    await writeFile(blocked, '');
    const memory = await onnxGraphFor(model, spec, { cacheDir: blocked, logger });
    assert.equal(memory.cache, 'memory');
    assert.ok(memory.source instanceof Uint8Array && memory.source.byteLength > 1_000_000);
  }));

test(
  'a model with a layer that does not convert runs on wasm under engine auto, and fails under engine onnx',
  { timeout: 120_000 },
  () =>
    withDir(async (dir) => {
      const tf = await tfReady;
      const input = tf.input({ shape: [16, 16, 3] });
      const conv = tf.layers
        .conv2d({ name: 'c', filters: 4, kernelSize: 3 })
        .apply(input) as Tf.SymbolicTensor;
      const leaky = tf.layers.leakyReLU({ name: 'leaky' }).apply(conv) as Tf.SymbolicTensor;
      const out = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(leaky) as Tf.SymbolicTensor;
      const m = tf.model({ inputs: input, outputs: out });
      randomizeWeights(tf, m);
      const artifacts = await saved(tf, m);
      await writeFile(join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData));
      await writeFile(
        join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          modelTopology: artifacts.topology,
          weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
        }),
      );
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
      const auto = await loadTfjsEmbedder(
        { runtime: 'tfjs', model: dir },
        testContext(1, { logger, cacheDir: dir }),
      );
      try {
        assert.equal(auto.dims, 4);
        assert.ok(
          lines.some((l) => /does not convert to ONNX/.test(l) && /layer \\"leaky\\" \(LeakyReLU\)/.test(l)),
          lines.join(''),
        );
        assert.ok(lines.some((l) => /"engine":"wasm"/.test(l)));
      } finally {
        await auto.close();
      }
      await assert.rejects(
        loadTfjsEmbedder({ runtime: 'tfjs', model: dir, options: { engine: 'onnx' } }, testContext(1)),
        /Cannot convert tfjs layer "leaky" \(LeakyReLU\)/,
      );
      assert.throws(
        () => tfjsModelSpec({ runtime: 'tfjs', model: dir, options: { engine: 'gpu' } }),
        /engine: "gpu" \(valid engines: auto, onnx, wasm\)/,
      );
    }),
);
