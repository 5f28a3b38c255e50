// Runs the COCO CenterNet that ships inside `@vladmandic/human` (a tfjs graph model) on the wasm backend.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Tf from '@tensorflow/tfjs';
import { RoadworkError } from '../../../core/errors/index.js';
import { folderArtifacts } from './_artifacts.js';
import { wasmBackend } from './_model.js';

const require = createRequire(import.meta.url);

/** Numbers per raw detection: `x1, y1, x2, y2` in model-input pixels, score, COCO class id. */
export const CENTERNET_ROW = 6;

/**
 * The graph's own post-processing: heatmap peaks (a 3×3 max-pool keeps local maxima), the top 100
 * over all classes, boxes from the size head. We take this output and decode it ourselves; the raw
 * heatmap (`tower_0/keypoints`) would be 128×128×80 numbers per image to move for nothing.
 */
const OUTPUT = 'tower_0/detections';

/** A loaded CenterNet inside one worker. */
export interface CenterNet {
  /** Square input side the image is stretched to (512). */
  readonly inputSize: number;
  /** Package version, input size and weights digest. */
  readonly version: string;
  /** Raw rows (`CENTERNET_ROW` numbers each), best score first, boxes in `inputSize`² pixels. */
  run(image: { data: Uint8Array; width: number; height: number }): Float32Array;
}

/** Loads `models/centernet.{json,bin}` from the installed package; call once per worker. */
export async function loadCenterNet(): Promise<CenterNet> {
  const tf = await wasmBackend();
  // Only the model files are read: the package's `exports` map points at its full library, which
  // would pull in tfjs-node. `require.resolve` finds the package without loading that entry.
  const root = join(dirname(require.resolve('@vladmandic/human')), '..');
  const dir = join(root, 'models');
  const artifacts = await folderArtifacts(dir, 'centernet.json');
  const pkg = require(join(root, 'package.json')) as { version: string };
  const model = await tf.loadGraphModel({
    load: () =>
      Promise.resolve({
        modelTopology: artifacts.topology,
        format: artifacts.format ?? 'graph-model',
        weightSpecs: artifacts.weightSpecs,
        weightData: artifacts.weightData,
      }),
  });
  const shape = model.inputs[0]?.shape ?? [];
  const size = shape[1];
  if (typeof size !== 'number' || size !== shape[2]) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `CenterNet input is not a fixed square: ${JSON.stringify(shape)}`,
    );
  }
  const digest = createHash('sha256').update(new Uint8Array(artifacts.weightData)).digest('hex').slice(0, 12);
  return {
    inputSize: size,
    version: `tfjs:human-${pkg.version}-centernet:${size}:${digest}`,
    run: (image) =>
      tf.tidy(() => {
        const pixels = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32').toFloat();
        // Raw 0–255 pixels: the first convolution has the normalisation folded in. Stretched, not
        // letterboxed, as the model's published pipeline feeds it.
        const input = tf.image.resizeBilinear(pixels, [size, size], false, true).expandDims(0);
        const out = model.execute(input, OUTPUT) as Tf.Tensor;
        // An own, exactly sized buffer: the worker transfers it to the main thread.
        return (out.dataSync() as Float32Array).slice();
      }),
  };
}
