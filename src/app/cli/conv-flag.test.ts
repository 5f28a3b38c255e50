// `--model conv`: the start is read from the embedder's own backbone, which must embed what it reads;
// the trained head serves through the cascade.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isRoadworkError } from '../../core/errors/index.js';
import { loadCascadeConfig } from '../../inference/cascade/index.js';
import { loadHead } from '../../inference/heads/index.js';
import { loadPointwiseConv } from '../../inference/runtimes/tfjs/index.js';
import { assertServesHeadWithFlipTta, testScene } from '../../lifecycle/train/_test-tta-check.js';
import { textSink } from '../../../test/fixtures/streams.js';
import { checkConvCells, convConfig, parseConvFlag } from './_conv-flag.js';
import { inSceneFolder } from './_test-scenes.js';
import { trainCommand } from './train.js';

const CELLS = { layer: 'block_16_project_BN', pooling: 'cells', extras: ['colour-shape'] };
const ref = (options: Record<string, unknown>) => ({
  runtime: 'tfjs',
  model: 'builtin:mobilenetv2',
  options,
});

test('--conv defaults to 3 epochs at 1e-4 and reads Conv_1 of the builtin MobileNetV2', async () => {
  const flag = parseConvFlag('conv', '49,Conv_1')!;
  assert.deepEqual(flag, { cells: 49, layer: 'Conv_1', epochs: 3, lr: 1e-4 });
  const config = await convConfig(flag, [ref(CELLS)]);
  checkConvCells(config, 49 * 320 + 140);
  assert.deepEqual(config.spec, { cells: 49, cellDims: 320, units: 1280, pooling: 'max' });
  assert.equal(config.init.weights.length, 1280 * 320);
  assert.equal(parseConvFlag('conv', '49,Conv_1,0,0.01')!.epochs, 0);
});

test('--model conv refuses an embedder that does not embed the cells its convolution reads (before embedding, but for the width)', async () => {
  const flag = parseConvFlag('conv', '49,Conv_1')!;
  const refused = (refs: Parameters<typeof convConfig>[1], dims: number, pattern: RegExp) =>
    assert.rejects(
      async () => checkConvCells(await convConfig(flag, refs), dims),
      (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && pattern.test(err.message),
    );
  await refused(
    [ref({ ...CELLS, pooling: 'max' })],
    1420,
    /one tfjs embedder with "pooling":"cells".*pooling max/,
  );
  await refused([ref(CELLS), ref(CELLS)], 2 * 15820, /one tfjs embedder/);
  await refused([{ runtime: 'onnx', model: 'm.onnx' }], 100, /one tfjs embedder.*onnx:m\.onnx/);
  await refused(
    [ref({ ...CELLS, layer: 'out_relu' })],
    49 * 1280,
    /Conv_1 reads layer "block_16_project_BN", but the embedder embeds "out_relu"/,
  );
  await refused(
    [ref(CELLS)],
    49 * 320 - 1,
    /49 cells × 320 values of the embedded layer exceed the embedding's 15679 dims/,
  );
});

test(
  'roadwork train --model conv starts from Conv_1, fine-tunes it, and its bundle serves the conv head off the cells',
  { timeout: 300_000 },
  () =>
    inSceneFolder('train-conv-', async (root, data) => {
      // 96 px: a 3×3 grid of block_16_project_BN's 320 values, then the colour/shape tail.
      const options = {
        layer: 'block_16_project_BN',
        pooling: 'cells',
        inputSize: 96,
        extras: ['colour-shape'],
      };
      const run = async (conv: string, out: string, extra: string[] = []) => {
        const o = textSink();
        const e = textSink();
        await trainCommand({ stdout: o.stream, stderr: e.stream, env: {} }).parseAsync(
          [
            ...['--data', data, '--embeddings.cache_dir', join(root, 'cache'), '--model.workers', '1'],
            ...['--folds', '2', '--l2', '0.01', '--target-accuracy', '0.6'],
            ...['--embedder-options', JSON.stringify(options), '--model', 'conv', '--conv', conv],
            ...['--out', out, ...extra],
          ],
          { from: 'user' },
        );
        return { out: o.text(), err: e.text() };
      };
      await run('9,Conv_1,0', join(root, 'e0.json'));
      const { out, err } = await run('9,Conv_1,2,1e-3', join(root, 'e2.json'), ['--bundle', join(root, 'b')]);
      assert.match(out, /Held-out metrics \(grouped CV/);
      // A conv fit takes minutes on real data: each fold says when it is fitted, in both protocols.
      for (const what of ['grouped CV', 'same-camera proxy'])
        assert.deepEqual(
          [
            ...err.matchAll(new RegExp(`^  l2=0\\.01 ${what}: fold (\\d)/2 fitted \\([\\d.]+ s\\)$`, 'gm')),
          ].map((m) => m[1]),
          ['1', '2'],
        );
      const [e0, e2] = await Promise.all([loadHead(join(root, 'e0.json')), loadHead(join(root, 'e2.json'))]);
      assert.equal(e2.type, 'conv');
      assert.deepEqual(e2.conv, { cells: 9, cellDims: 320, units: 1280, pooling: 'max' });
      assert.equal(e2.inputDims, 9 * 320 + 140);
      // Zero epochs keeps the backbone's own convolution; two epochs of Adam move it.
      const start = await loadPointwiseConv('builtin:mobilenetv2', 'Conv_1');
      const all = (h: typeof e0) => h.layers[0]!.weights.flat();
      const gap = (a: readonly number[], b: ArrayLike<number>) =>
        a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
      assert.ok(gap(all(e0), start.weights) < 1e-6, 'the head file keeps Conv_1 (to its 8 digits)');
      assert.ok(gap(all(e2), start.weights) > 1e-4, 'fine-tuning moved Conv_1');
      const config = await loadCascadeConfig(join(root, 'b', 'cascade.json'));
      await assertServesHeadWithFlipTta(config, e2, testScene('conv'), {
        embedders: [{ runtime: 'tfjs', model: 'builtin:mobilenetv2', options }],
      });
    }),
);
