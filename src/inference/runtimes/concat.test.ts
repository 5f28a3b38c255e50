// Several backbones as one embedder, through real onnxruntime-node workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../../core/errors/index.js';
import { loadEmbedders, loadModel, RUNTIMES, type ModelRef, type Runtime } from './index.js';
import { poolEmbedderModel, solidImage, splitImage } from '../../../test/fixtures/onnx-models.js';
import { testContext } from './_test-context.js';

const ctx = testContext(1, { cacheDir: tmpdir() });
const soon = () => ({ deadlineMs: Date.now() + 10_000 });
const raw = { size: 16, mean: [0, 0, 0], std: [1, 1, 1] };

test(
  'loadEmbedders() concatenates each backbone’s vectors in order; one ref is that embedder itself',
  { timeout: 60_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'concat-'));
    try {
      const [mean, grid] = [join(dir, 'mean.onnx'), join(dir, 'grid.onnx')];
      await writeFile(mean, poolEmbedderModel({ size: 16 }));
      await writeFile(grid, poolEmbedderModel({ size: 16, cols: 2 }));
      const refs: ModelRef[] = [mean, grid].map((model) => ({ runtime: 'onnx', model, options: raw }));
      const images = [splitImage(16, [255, 0, 0], [0, 0, 255]), solidImage(16, [0, 255, 0])];
      const parts = await Promise.all(refs.map((r) => loadModel('embedder', r, ctx)));
      const both = await loadEmbedders(refs, ctx);
      try {
        assert.equal(both.dims, 3 + 6);
        assert.equal(both.version, `${parts[0]!.version} ++ ${parts[1]!.version}`);
        assert.deepEqual(both.parts, [
          { offset: 0, dims: 3, version: parts[0]!.version },
          { offset: 3, dims: 6, version: parts[1]!.version },
        ]);
        const got = await both.embed(images, soon());
        const [a, b] = await Promise.all(parts.map((p) => p.embed(images, soon())));
        for (let i = 0; i < images.length; i++) {
          assert.deepEqual(Array.from(got[i]!), [...a![i]!, ...b![i]!]);
        }
        // The first image is half red, half blue: the mean model sees both at 0.5.
        assert.deepEqual(
          Array.from(got[0]!.slice(0, 3)).map((v) => Math.round(v * 100) / 100),
          [0.5, 0, 0.5],
        );
        const one = await loadEmbedders([refs[0]!], ctx);
        try {
          assert.equal(one.version, parts[0]!.version);
          assert.equal(one.dims, 3);
          assert.equal(one.parts, undefined);
        } finally {
          await one.close();
        }
      } finally {
        await both.close();
        await Promise.all(parts.map((p) => p.close()));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test('loadEmbedders() fails with the coded error of a part that cannot load, and closes the others', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'concat-bad-'));
  try {
    const mean = join(dir, 'mean.onnx');
    await writeFile(mean, poolEmbedderModel({ size: 16 }));
    // The real onnx runtime, with each loaded embedder's close() recorded.
    const closed: string[] = [];
    const onnx = RUNTIMES.onnx!;
    const recording: Runtime = {
      ...onnx,
      async embedder(ref, c) {
        const e = await onnx.embedder!(ref, c);
        return {
          dims: e.dims,
          version: e.version,
          embed: (images, options) => e.embed(images, options),
          close: async () => {
            closed.push(ref.model);
            await e.close();
          },
        };
      },
    };
    await assert.rejects(
      loadEmbedders(
        [
          { runtime: 'onnx', model: mean, options: raw },
          { runtime: 'onnx', model: join(dir, 'missing.onnx'), options: raw },
        ],
        ctx,
        { onnx: recording },
      ),
      (err) => isRoadworkError(err, 'ERR_MODEL_LOAD'),
    );
    assert.deepEqual(closed, [mean]);
    await assert.rejects(loadEmbedders([], ctx), (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
