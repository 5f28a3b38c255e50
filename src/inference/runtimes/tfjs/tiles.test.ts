// `tiles`: square windows along a frame's longer side, each through the real MobileNetV2, combined.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cropWindow, tileWindows } from '../../image/index.js';
import { tfjsModelSpec } from './index.js';
import { embedWith, scene } from './_test-embed.js';

test('tileWindows() spreads squares of the shorter side from end to end, without duplicates', () => {
  assert.deepEqual(tileWindows(160, 90, 3), [
    { x: 0, y: 0, side: 90 },
    { x: 35, y: 0, side: 90 },
    { x: 70, y: 0, side: 90 },
  ]);
  assert.deepEqual(
    tileWindows(90, 300, 3).map((w) => [w.x, w.y]),
    [
      [0, 0],
      [0, 105],
      [0, 210],
    ],
  );
  assert.deepEqual(tileWindows(100, 100, 3), [{ x: 0, y: 0, side: 100 }]);
  assert.deepEqual(tileWindows(101, 100, 3), [
    { x: 0, y: 0, side: 100 },
    { x: 1, y: 0, side: 100 },
  ]);
  assert.deepEqual(tileWindows(160, 90, 1), [{ x: 35, y: 0, side: 90 }]);
});

test('tfjs tiles are refused with a pooling they cannot combine, on wasm, or out of range', () => {
  const spec = (options: Record<string, unknown>) => () =>
    tfjsModelSpec({ runtime: 'tfjs', model: 'builtin:mobilenetv2', options });
  assert.throws(spec({ tiles: 3, pooling: 'avgmax' }), /tiles with pooling "avgmax"/);
  assert.throws(spec({ tiles: 3, pooling: 'cells' }), /tiles with pooling "cells"/);
  assert.throws(spec({ tiles: 3, engine: 'wasm' }), /onnx engine only/);
  assert.throws(spec({ tiles: 0 }), /tiles: 0 \(want a whole number of tiles from 1 to 8\)/);
  assert.throws(spec({ tiles: 2.5 }), /tiles: 2.5/);
  assert.equal(spec({ tiles: 3, pooling: 'max' })().tiles, 3);
});

test(
  'tiles: 3 with max pooling is the element-wise max of the three squares embedded alone',
  { timeout: 240_000 },
  async () => {
    const wide = scene('tiles-wide', 160, 90);
    const square = scene('tiles-square', 96, 96);
    const options = { layer: 'out_relu', pooling: 'max', inputSize: 96, extras: ['colour-shape'] };
    const tiled = await embedWith({ ...options, tiles: 3 }, [wide, square]);
    assert.match(tiled.version, /:out_relu@max@tiles3:1280:.*\+cs1$/);
    const windows = tileWindows(wide.width, wide.height, 3);
    const alone = await embedWith(options, [...windows.map((w) => cropWindow(wide, w)), square]);
    assert.notDeepEqual(alone.out[0]!.subarray(0, 1280), alone.out[2]!.subarray(0, 1280));
    let worst = 0;
    for (let c = 0; c < 1280; c++) {
      const max = Math.max(alone.out[0]![c]!, alone.out[1]![c]!, alone.out[2]![c]!);
      worst = Math.max(worst, Math.abs(tiled.out[0]![c]! - max));
    }
    assert.ok(worst < 1e-4, `largest difference from the max of the tiles: ${worst}`);
    // A square frame is one tile: the same numbers as without tiles.
    for (let c = 0; c < 1280; c++) assert.ok(Math.abs(tiled.out[1]![c]! - alone.out[3]![c]!) < 1e-4);
    // The colour/shape features describe the whole frame, not a tile.
    const whole = await embedWith(options, [wide]);
    assert.deepEqual(tiled.out[0]!.subarray(1280), whole.out[0]!.subarray(1280));
    assert.notDeepEqual(tiled.out[0]!.subarray(1280), alone.out[1]!.subarray(1280));
  },
);
