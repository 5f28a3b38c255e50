// `--model conv`: the start is read from the embedder's own backbone, which must embed what it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { convConfig, parseConvFlag } from './_conv-flag.js';

const CELLS = { layer: 'block_16_project_BN', pooling: 'cells', extras: ['colour-shape'] };
const ref = (options: Record<string, unknown>) => ({
  runtime: 'tfjs',
  model: 'builtin:mobilenetv2',
  options,
});

test('--conv defaults to 3 epochs at 1e-4 and reads Conv_1 of the builtin MobileNetV2', async () => {
  const flag = parseConvFlag('conv', '49,Conv_1')!;
  assert.deepEqual(flag, { cells: 49, layer: 'Conv_1', epochs: 3, lr: 1e-4 });
  const config = await convConfig(flag, [ref(CELLS)], 49 * 320 + 140);
  assert.deepEqual(config.spec, { cells: 49, cellDims: 320, units: 1280, pooling: 'max' });
  assert.equal(config.init.weights.length, 1280 * 320);
  assert.equal(parseConvFlag('conv', '49,Conv_1,0,0.01')!.epochs, 0);
});

test('--model conv refuses an embedder that does not embed the cells its convolution reads', async () => {
  const flag = parseConvFlag('conv', '49,Conv_1')!;
  const refused = (refs: Parameters<typeof convConfig>[1], dims: number, pattern: RegExp) =>
    assert.rejects(
      convConfig(flag, refs, dims),
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
    /49 cells × 320 values of block_16_project_BN exceed the embedding's 15679 dims/,
  );
});
