// Shared by the cascade tests: a temp folder of real model files and a silent runtime context.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { RuntimeContext } from '../runtimes/types.js';
import { poolEmbedderModel, yoloFixtureModel } from '../../../test/fixtures/onnx-models.js';

/** A silent logger. */
export const silent = pino({ level: 'silent' });

/** One worker, CPU, offline. */
export const runtimeContext: RuntimeContext = {
  cacheDir: tmpdir(),
  offline: true,
  device: 'cpu',
  workers: 1,
  logger: silent,
};

/** A logistic head on `dims` inputs: `logit = bias + Σ w_i x_i`. */
export function logisticHead(weights: readonly number[], bias: number): object {
  return {
    format: 'roadwork-head',
    version: 1,
    type: 'logistic',
    inputDims: weights.length,
    layers: [{ weights: [weights], bias: [bias], activation: 'none' }],
    temperature: 1,
    shift: 0,
  };
}

/**
 * Writes the models the tests use: `mean.onnx` (channel means, 3 dims), `halves.onnx` (left/right
 * channel means, 6 dims), `red.json` (logit 8·R − 4), `left-red.json` (logit 4·R_left − 1), and two
 * YOLO detectors whose cones fire on red images (`four.onnx`: 4 cones + a person; `two.onnx`: 2 cones).
 */
export async function modelFolder(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cascade-'));
  const cone = (x: number) => ({ box: [x, 4, 2, 2] as const, cls: 0, bias: -0.5, red: 1 });
  await Promise.all([
    writeFile(join(dir, 'mean.onnx'), poolEmbedderModel({ size: 16 })),
    writeFile(join(dir, 'halves.onnx'), poolEmbedderModel({ size: 16, cols: 2 })),
    writeFile(join(dir, 'red.json'), JSON.stringify(logisticHead([8, 0, 0], -4))),
    writeFile(join(dir, 'left-red.json'), JSON.stringify(logisticHead([4, 0, 0, 0, 0, 0], -1))),
    writeFile(
      join(dir, 'four.onnx'),
      yoloFixtureModel({
        size: 16,
        layout: 'v8',
        classes: 2,
        names: ['traffic_cone', 'person'],
        anchors: [cone(2), cone(6), cone(10), cone(14), { box: [8, 12, 2, 2], cls: 1, bias: 0.9 }],
      }),
    ),
    writeFile(
      join(dir, 'two.onnx'),
      yoloFixtureModel({ size: 16, layout: 'v5', classes: 1, names: ['cone'], anchors: [cone(2), cone(10)] }),
    ),
  ]);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Options every onnx model in the folder needs (16 px, no normalisation). */
export const RAW16 = { size: 16, mean: [0, 0, 0], std: [1, 1, 1] };
