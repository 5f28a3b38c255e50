// A conv head's starting weights: MobileNetV2's Conv_1 read with its batch norm folded, run on the
// embedded block_16_project_BN cells, gives back the backbone's own max-pooled out_relu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../../core/errors/index.js';
import { convPool, packConv } from '../../heads/index.js';
import { loadPointwiseConv } from './index.js';
import { embedWith, scene } from './_test-embed.js';

test(
  "Conv_1 on block_16_project_BN's cells, ReLU6 and a max over cells is the real backbone's max-pooled out_relu",
  { timeout: 240_000 },
  async () => {
    const conv = await loadPointwiseConv('builtin:mobilenetv2', 'Conv_1');
    assert.equal(conv.input, 'block_16_project_BN');
    assert.equal(conv.cellDims, 320);
    assert.equal(conv.units, 1280);
    const images = [scene('pointwise-a'), scene('pointwise-b')];
    // 96 px → a 3×3 grid.
    const cells = await embedWith({ layer: conv.input, pooling: 'cells', inputSize: 96 }, images);
    const max = await embedWith({ layer: 'out_relu', pooling: 'max', inputSize: 96 }, images);
    assert.equal(cells.dims, 9 * 320);
    const rows = Array.from({ length: conv.units }, (_, j) =>
      Array.from(conv.weights.subarray(j * 320, (j + 1) * 320)),
    );
    const packed = packConv(rows, Array.from(conv.bias));
    const spec = { cells: 9, cellDims: 320, units: 1280, pooling: 'max' as const };
    let worst = 0;
    let live = 0;
    for (const [i, e] of cells.out.entries()) {
      const pooled = new Float64Array(1280);
      convPool(spec, packed, e, pooled);
      for (let c = 0; c < 1280; c++) {
        worst = Math.max(worst, Math.abs(pooled[c]! - max.out[i]![c]!));
        if (pooled[c]! > 0) live++;
      }
    }
    assert.ok(worst < 1e-3, `largest difference ${worst}`);
    assert.ok(live > 200, `only ${live} channels above 0: the comparison would be empty`);
  },
);

test('loadPointwiseConv() refuses a layer that is not a 1×1 convolution followed by ReLU6', async () => {
  const refused = async (layer: string, pattern: RegExp) =>
    assert.rejects(
      loadPointwiseConv('builtin:mobilenetv2', layer),
      (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && pattern.test(err.message),
    );
  await refused('no_such_layer', /no such layer/);
  await refused('block_16_depthwise', /DepthwiseConv2D/);
  // block_16_project is a 1×1 convolution, but its batch norm feeds Conv_1, not a ReLU6.
  await refused('block_16_project', /not followed by a ReLU6/);
});
