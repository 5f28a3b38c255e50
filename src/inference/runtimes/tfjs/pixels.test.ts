// The ONNX engine's input preparation against tfjs's own ops (the wasm engine's), value by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tfReady, uniform } from '../convert/_test-keras.js';
import { tfjsInput } from './_pixels.js';

async function tfjsReference(
  data: Uint8Array,
  width: number,
  height: number,
  size: number,
  range: [number, number],
) {
  const tf = await tfReady;
  const [lo, hi] = range;
  return tf.tidy(() => {
    const scaled = tf
      .tensor3d(data, [height, width, 3], 'int32')
      .toFloat()
      .mul((hi - lo) / 255)
      .add(lo);
    const sized =
      width === size && height === size
        ? scaled
        : tf.image.resizeBilinear(scaled as never, [size, size], false, true);
    // NHWC → NCHW, like the graph's input.
    return sized.transpose([2, 0, 1]).dataSync() as Float32Array;
  });
}

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from(uniform(seed)(n, 0, 256), Math.floor);
}

test('tfjsInput() scales bytes onto the input range bit for bit like tfjs', async () => {
  for (const range of [
    [0, 1],
    [-1, 1],
  ] as [number, number][]) {
    const data = bytes(16 * 16 * 3, 5);
    const out = new Float32Array(3 * 16 * 16);
    tfjsInput({ data, width: 16, height: 16 }, 16, range, out);
    assert.deepEqual(out, await tfjsReference(data, 16, 16, 16, range));
  }
});

test('tfjsInput() resizes like tf.image.resizeBilinear with half-pixel centres, up and down', async () => {
  for (const [width, height] of [
    [40, 30],
    [9, 13],
    [64, 64],
  ] as const) {
    const data = bytes(width * height * 3, width);
    const out = new Float32Array(3 * 24 * 24);
    tfjsInput({ data, width, height }, 24, [0, 1], out);
    const expected = await tfjsReference(data, width, height, 24, [0, 1]);
    let worst = 0;
    for (let i = 0; i < out.length; i++) worst = Math.max(worst, Math.abs(out[i]! - expected[i]!));
    assert.ok(worst < 1e-5, `${width}×${height}: max abs diff ${worst}`);
  }
});
