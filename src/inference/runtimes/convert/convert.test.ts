// The Keras → ONNX converter, layer by layer: each graph run by onnxruntime against tfjs itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as Tf from '@tensorflow/tfjs';
import { isRoadworkError } from '../../../core/errors/index.js';
import { decodeWeights } from './_weights.js';
import {
  assertConvertsEqual,
  images,
  quantized,
  randomizeWeights,
  runOnnx,
  saved,
  tfReady,
} from './_test-keras.js';
import { kerasToOnnx, tfPadding } from './index.js';

type Sym = Tf.SymbolicTensor;

/** A functional model from `size`² RGB input through `body`, random weights, ending in a Flatten. */
async function model(size: number, body: (tf: typeof Tf, x: Sym) => Sym, flatten = true) {
  const tf = await tfReady;
  const input = tf.input({ shape: [size, size, 3], name: 'pixels' });
  let out = body(tf, input);
  if (flatten && out.shape.length === 4) out = tf.layers.flatten({ name: 'flat' }).apply(out) as Sym;
  const m = tf.model({ inputs: input, outputs: out });
  randomizeWeights(tf, m);
  return m;
}

const apply = (layer: Tf.layers.Layer, x: Sym | Sym[]) => layer.apply(x) as Sym;

test('tfPadding() pads like TensorFlow: the odd pixel of "same" goes after', () => {
  assert.deepEqual(tfPadding(9, 3, 2, 1, true), { before: 1, after: 1, out: 5 });
  assert.deepEqual(tfPadding(8, 3, 2, 1, true), { before: 0, after: 1, out: 4 });
  assert.deepEqual(tfPadding(8, 3, 1, 2, true), { before: 2, after: 2, out: 8 });
  assert.deepEqual(tfPadding(9, 3, 2, 1, false), { before: 0, after: 0, out: 4 });
});

test('Conv2D converts with same and valid padding, strides, dilation, no bias and an activation', async () => {
  const m = await model(9, (tf, x) => {
    let y = apply(
      tf.layers.conv2d({
        name: 'c1',
        filters: 4,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        activation: 'relu',
      }),
      x,
    );
    y = apply(
      tf.layers.conv2d({ name: 'c2', filters: 5, kernelSize: [2, 3], padding: 'valid', useBias: false }),
      y,
    );
    return apply(
      tf.layers.conv2d({ name: 'c3', filters: 3, kernelSize: 3, padding: 'same', dilationRate: 2 }),
      y,
    );
  });
  await assertConvertsEqual(m, { size: 9 });
  const even = await model(8, (tf, x) =>
    apply(tf.layers.conv2d({ name: 'c', filters: 4, kernelSize: 3, strides: 2, padding: 'same' }), x),
  );
  await assertConvertsEqual(even, { size: 8 });
});

test('DepthwiseConv2D converts with a depth multiplier and a strided same padding', async () => {
  const m = await model(8, (tf, x) => {
    const y = apply(
      tf.layers.depthwiseConv2d({
        name: 'dw',
        kernelSize: 3,
        depthMultiplier: 2,
        strides: 2,
        padding: 'same',
      }),
      x,
    );
    return apply(
      tf.layers.depthwiseConv2d({ name: 'dw2', kernelSize: 3, padding: 'valid', activation: 'relu6' }),
      y,
    );
  });
  await assertConvertsEqual(m, { size: 8 });
});

test('BatchNormalization folds into the convolution before it, and stands alone elsewhere', async () => {
  const m = await model(8, (tf, x) => {
    let y = apply(
      tf.layers.conv2d({ name: 'c', filters: 4, kernelSize: 3, padding: 'same', useBias: false }),
      x,
    );
    y = apply(tf.layers.batchNormalization({ name: 'bn_folded', epsilon: 1e-3 }), y);
    y = apply(tf.layers.reLU({ name: 'r', maxValue: 6 }), y);
    y = apply(tf.layers.batchNormalization({ name: 'bn_alone', scale: false }), y);
    const d = apply(tf.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same' }), y);
    return apply(tf.layers.batchNormalization({ name: 'bn_dw', center: false }), d);
  });
  const converted = await assertConvertsEqual(m, { size: 8 });
  // Two folded norms leave one standalone Mul+Add pair in the graph.
  const text = Buffer.from(converted.bytes).toString('latin1');
  assert.ok(
    text.includes('bn_alone/scale') && !text.includes('bn_folded/scale') && !text.includes('bn_dw/scale'),
  );
});

test('ReLU, Activation and Dense with their activations convert', async () => {
  for (const activation of ['relu', 'relu6', 'sigmoid', 'tanh', 'elu', 'linear'] as const) {
    const m = await model(6, (tf, x) => {
      let y = apply(tf.layers.conv2d({ name: 'c', filters: 3, kernelSize: 1 }), x);
      y = apply(tf.layers.activation({ name: 'a', activation }), y);
      y = apply(tf.layers.reLU({ name: 'r' }), y);
      y = apply(tf.layers.globalAveragePooling2d({ name: 'gap' }), y);
      return apply(
        tf.layers.dense({
          name: 'd',
          units: 4,
          activation: activation === 'linear' ? 'softmax' : activation,
        }),
        y,
      );
    });
    await assertConvertsEqual(m, { size: 6 });
  }
});

test('ZeroPadding2D pads each side as asked', async () => {
  const m = await model(7, (tf, x) => {
    const y = apply(
      tf.layers.zeroPadding2d({
        name: 'pad',
        padding: [
          [0, 1],
          [2, 0],
        ],
      }),
      x,
    );
    return apply(tf.layers.conv2d({ name: 'c', filters: 2, kernelSize: 3, strides: 2 }), y);
  });
  await assertConvertsEqual(m, { size: 7 });
});

test('Add, Multiply and Concatenate (channels and width) convert', async () => {
  const m = await model(6, (tf, x) => {
    const a = apply(tf.layers.conv2d({ name: 'a', filters: 4, kernelSize: 1 }), x);
    const b = apply(tf.layers.conv2d({ name: 'b', filters: 4, kernelSize: 3, padding: 'same' }), x);
    const c = apply(tf.layers.conv2d({ name: 'c', filters: 4, kernelSize: 1 }), b);
    const sum = apply(tf.layers.add({ name: 'sum' }), [a, b, c]);
    const prod = apply(tf.layers.multiply({ name: 'prod' }), [sum, a]);
    const chans = apply(tf.layers.concatenate({ name: 'cat' }), [prod, b]);
    return apply(tf.layers.concatenate({ name: 'wide', axis: 2 }), [chans, chans]);
  });
  await assertConvertsEqual(m, { size: 6 });
});

test('pooling layers convert; "same" averages count only the pixels inside', async () => {
  const m = await model(9, (tf, x) => {
    let y = apply(
      tf.layers.averagePooling2d({ name: 'avg_same', poolSize: 3, strides: 1, padding: 'same' }),
      x,
    );
    y = apply(tf.layers.maxPooling2d({ name: 'max_same', poolSize: 3, strides: 2, padding: 'same' }), y);
    return apply(tf.layers.averagePooling2d({ name: 'avg_valid', poolSize: 2, padding: 'valid' }), y);
  });
  await assertConvertsEqual(m, { size: 9 });
  for (const global of ['globalAveragePooling2d', 'globalMaxPooling2d'] as const) {
    const g = await model(5, (tf, x) =>
      apply(tf.layers[global]({ name: 'g' }), apply(tf.layers.dropout({ name: 'drop', rate: 0.5 }), x)),
    );
    await assertConvertsEqual(g, { size: 5 });
  }
});

test('uint8-quantized weights decode exactly as tfjs decodes them', async () => {
  const tf = await tfReady;
  const m = await model(6, (tf, x) => {
    const y = apply(tf.layers.conv2d({ name: 'c', filters: 4, kernelSize: 3 }), x);
    return apply(tf.layers.batchNormalization({ name: 'bn' }), y);
  });
  const q = quantized(await saved(tf, m));
  const mine = decodeWeights(q.weightSpecs, q.weightData);
  const theirs = tf.io.decodeWeights(q.weightData, [...q.weightSpecs] as Tf.io.WeightsManifestEntry[]);
  assert.equal(mine.size, Object.keys(theirs).length);
  for (const [name, w] of mine) assert.deepEqual(w.values, theirs[name]!.dataSync(), name);
  // And the quantized model, loaded by tfjs, still converts to the same numbers.
  const loaded = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: q.topology,
      weightSpecs: [...q.weightSpecs] as Tf.io.WeightsManifestEntry[],
      weightData: q.weightData,
    }),
  );
  await assertConvertsEqual(loaded, { size: 6, artifacts: q });
});

test('named output layers are pooled (avg, max, both) and joined in order, at the asked input size', async () => {
  const tf = await tfReady;
  // A fully convolutional model with no fixed input size: inputSize must say it.
  const input = tf.input({ shape: [null, null, 3], name: 'pixels' });
  const early = apply(
    tf.layers.conv2d({ name: 'early', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
    input,
  );
  const late = apply(
    tf.layers.conv2d({ name: 'late', filters: 5, kernelSize: 3, strides: 2, padding: 'same' }),
    early,
  );
  const m = tf.model({ inputs: input, outputs: [late, early] });
  randomizeWeights(tf, m);
  const artifacts = await saved(tf, m);
  assert.throws(() => kerasToOnnx(artifacts), /input is not a fixed square.*set inputSize/);
  const converted = kerasToOnnx(artifacts, { outputs: ['late', 'early'], pooling: 'avgmax', inputSize: 12 });
  assert.equal(converted.dims, 2 * 5 + 2 * 3);
  assert.equal(converted.inputSize, 12);
  const { nhwc, nchw } = images(1, 12);
  const expected = tf.tidy(() => {
    const outs = m.predict(tf.tensor4d(nhwc, [1, 12, 12, 3])) as Tf.Tensor[];
    return tf
      .concat(
        outs.flatMap((t) => [t.mean([1, 2]), t.max([1, 2])]),
        1,
      )
      .dataSync();
  });
  const actual = await runOnnx(converted.bytes, nchw, [1, 3, 12, 12]);
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-5, `value ${i}`);
});

test('a Sequential model converts like a functional one', async () => {
  const tf = await tfReady;
  const m = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [6, 6, 3], filters: 4, kernelSize: 3, activation: 'relu' }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 3 }),
    ],
  });
  randomizeWeights(tf, m);
  await assertConvertsEqual(m, { size: 6 });
});

test('a layer that does not convert fails naming it and the layers that do; an unknown output too', async () => {
  const tf = await tfReady;
  const m = await model(6, (tf, x) => apply(tf.layers.leakyReLU({ name: 'leaky' }), x));
  const artifacts = await saved(tf, m);
  assert.throws(
    () => kerasToOnnx(artifacts),
    (err: unknown) =>
      isRoadworkError(err, 'ERR_MODEL_LOAD') &&
      /tfjs layer "leaky" \(LeakyReLU\) to ONNX; convertible layers are InputLayer, Conv2D, .*engine: wasm/.test(
        err.message,
      ),
  );
  assert.throws(
    () => kerasToOnnx(artifacts, { outputs: ['nope'] }),
    (err: unknown) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /no layer: "nope"/.test(err.message),
  );
  // tfjs itself never writes a leaky ReLU as ReLU; Keras does (negative_slope), and it must not pass.
  const relu = await model(6, (tf, x) => apply(tf.layers.reLU({ name: 'r' }), x));
  const leaky = structuredClone(await saved(tf, relu));
  const layers = (
    leaky.topology as { config: { layers: { name: string; config: Record<string, unknown> }[] } }
  ).config.layers;
  layers.find((l) => l.name === 'r')!.config.negative_slope = 0.2;
  assert.throws(() => kerasToOnnx(leaky), /"r" \(ReLU\) to ONNX: it has negative_slope 0.2/);
});
