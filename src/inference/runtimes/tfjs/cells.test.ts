// `pooling: cells` on the real MobileNetV2: every cell of the map, laid out alike on both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { embedWith, scene } from './_test-embed.js';

test(
  'pooling cells gives H·W·C values whose cell mean is the average-pooled map, the same on onnx and wasm',
  { timeout: 240_000 },
  async () => {
    const images = [scene('cells-a'), scene('cells-b')];
    // 96 px → a 3×3 grid of 1280 values.
    const cells = await embedWith({ layer: 'out_relu', pooling: 'cells', inputSize: 96 }, images);
    assert.equal(cells.dims, 9 * 1280);
    assert.match(cells.version, /:out_relu@cells:11520:/);
    const avg = await embedWith({ layer: 'out_relu', inputSize: 96 }, images);
    for (const [i, e] of cells.out.entries()) {
      for (let c = 0; c < 1280; c += 7) {
        let mean = 0;
        for (let k = 0; k < 9; k++) mean += e[k * 1280 + c]! / 9;
        assert.ok(
          Math.abs(mean - avg.out[i]![c]!) < 1e-4,
          `image ${i} channel ${c}: ${mean} vs ${avg.out[i]![c]}`,
        );
      }
    }
    // The cells differ from each other (the layout is a grid, not one cell repeated).
    const first = cells.out[0]!;
    assert.notDeepEqual(first.subarray(0, 1280), first.subarray(4 * 1280, 5 * 1280));
    // TensorFlow.js itself lays the cells out the same way (row-major [H, W, C]).
    const wasm = await embedWith(
      { layer: 'out_relu', pooling: 'cells', inputSize: 96, engine: 'wasm' },
      images.slice(0, 1),
    );
    let worst = 0;
    for (let j = 0; j < first.length; j++) worst = Math.max(worst, Math.abs(wasm.out[0]![j]! - first[j]!));
    assert.ok(worst < 1e-3, `largest onnx/wasm difference ${worst}`);
  },
);
