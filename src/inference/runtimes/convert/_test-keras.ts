// Test fixture: small Keras models built with tfjs's own layers API, saved the way tfjs saves them,
// and run both by tfjs (the reference, on the wasm backend) and by onnxruntime on the converted graph.
import assert from 'node:assert/strict';
import type * as Tf from '@tensorflow/tfjs';
import { Tensor } from 'onnxruntime-node';
import { openOrtSession } from '../onnx/index.js';
import { wasmBackend } from '../tfjs/_model.js';
import { kerasToOnnx, type ConvertOptions, type KerasArtifacts } from './index.js';

/** tfjs on the wasm backend, started once. */
export const tfReady: Promise<typeof Tf> = wasmBackend();

/** A seeded uniform generator in [lo, hi). */
export function uniform(seed: number): (n: number, lo?: number, hi?: number) => Float32Array {
  let s = seed >>> 0;
  return (n, lo = -1, hi = 1) =>
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return lo + ((hi - lo) * s) / 2 ** 32;
    });
}

/** Gives every weight seeded random values (variances positive), so batch norms are not identities. */
export function randomizeWeights(tf: typeof Tf, model: Tf.LayersModel, seed = 1): void {
  const rand = uniform(seed);
  model.setWeights(
    model.weights.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((a, b) => a * b, 1);
      const positive = /moving_variance|gamma/.test(w.originalName);
      return tf.tensor(rand(n, positive ? 0.5 : -1, positive ? 1.5 : 1), shape, 'float32');
    }),
  );
}

/** The model as tfjs saves it: topology, weight specs and one weight buffer. */
export async function saved(tf: typeof Tf, model: Tf.LayersModel): Promise<KerasArtifacts> {
  let captured: Tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      captured = artifacts;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  return {
    topology: captured!.modelTopology as Record<string, unknown>,
    weightSpecs: captured!.weightSpecs!,
    weightData: tf.io.CompositeArrayBuffer.join(captured!.weightData),
  };
}

/** The same model with every weight stored as uint8 with min/scale, the way nsfwjs ships its weights. */
export function quantized(artifacts: KerasArtifacts): KerasArtifacts {
  const parts: Uint8Array[] = [];
  let offset = 0;
  const specs = artifacts.weightSpecs.map((spec) => {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(artifacts.weightData.slice(offset, offset + 4 * n));
    offset += 4 * n;
    const min = Math.min(...values);
    const scale = (Math.max(...values) - min) / 255 || 1;
    parts.push(Uint8Array.from(values, (v) => Math.round((v - min) / scale)));
    return { ...spec, quantization: { dtype: 'uint8', min, scale } };
  });
  const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
  return { ...artifacts, weightSpecs: specs, weightData: data.buffer };
}

/** Random NHWC images and the same pixels as NCHW. */
export function images(n: number, size: number, seed = 3): { nhwc: Float32Array; nchw: Float32Array } {
  const nhwc = uniform(seed)(n * size * size * 3, 0, 1);
  const nchw = new Float32Array(nhwc.length);
  const plane = size * size;
  for (let i = 0; i < n; i++)
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < 3; c++) nchw[i * 3 * plane + c * plane + p] = nhwc[(i * plane + p) * 3 + c]!;
  return { nhwc, nchw };
}

/** Runs the converted graph on onnxruntime. */
export async function runOnnx(
  bytes: Uint8Array,
  nchw: Float32Array,
  dims: readonly number[],
): Promise<Float32Array> {
  const session = await openOrtSession(bytes, {
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    const out = await session.run({ [session.inputNames[0]!]: new Tensor('float32', nchw, dims) });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

/**
 * Converts the model (its output must be `[N, D]`), runs both engines on two random images and
 * asserts the outputs agree within `tolerance` of the largest value; returns the converted graph.
 */
export async function assertConvertsEqual(
  model: Tf.LayersModel,
  o: { size: number; artifacts?: KerasArtifacts; options?: ConvertOptions; tolerance?: number } = { size: 8 },
) {
  const tf = await tfReady;
  const artifacts = o.artifacts ?? (await saved(tf, model));
  const converted = kerasToOnnx(artifacts, o.options);
  const { nhwc, nchw } = images(2, o.size);
  const reference = tf.tidy(() => {
    const out = model.predict(tf.tensor4d(nhwc, [2, o.size, o.size, 3])) as Tf.Tensor;
    return out.reshape([2, -1]).dataSync() as Float32Array;
  });
  const actual = await runOnnx(converted.bytes, nchw, [2, 3, o.size, o.size]);
  assert.equal(actual.length, reference.length, 'output size');
  assert.equal(converted.dims * 2, actual.length, 'declared dims');
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - reference[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  assert.ok(worst <= (o.tolerance ?? 1e-5) * scale, `max abs diff ${worst} (largest value ${scale})`);
  return converted;
}
