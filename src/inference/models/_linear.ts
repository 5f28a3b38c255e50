// A pooled-pixels logistic model: the smallest real image classifier, and a test bed for the runtime.
import { encodeModel, floatTensor, node } from './_onnx.js';

/** Options for `buildLinearImageModel`. */
export interface LinearImageModelOptions {
  /** Square input side. Default 224. */
  readonly inputSize?: number;
  /** Average-pool to a `grid`×`grid` map per channel; `inputSize` must divide by it. Default 1. */
  readonly grid?: number;
  /** One weight per pooled value, in NCHW flatten order (3·grid² values). */
  readonly weights: ArrayLike<number>;
  readonly bias: number;
  /** `'sigmoid'` for a probability; `'none'` exposes the raw score (tests use it for bad outputs). */
  readonly activation?: 'sigmoid' | 'none';
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Builds input float32 [N,3,S,S] → AveragePool → Flatten → Gemm → (Sigmoid) → output [N,1]. */
export function buildLinearImageModel(options: LinearImageModelOptions): Uint8Array {
  const size = options.inputSize ?? 224;
  const grid = options.grid ?? 1;
  if (size % grid !== 0) throw new Error(`Grid ${grid} does not divide input size ${size}: pick a divisor.`);
  const cell = size / grid;
  const features = 3 * grid * grid;
  const sigmoid = (options.activation ?? 'sigmoid') === 'sigmoid';
  return encodeModel({
    name: 'linear-image',
    input: { name: 'input', dims: ['N', 3, size, size] },
    output: { name: 'probability', dims: ['N', 1] },
    initializers: [floatTensor('W', [1, features], options.weights), floatTensor('B', [1], [options.bias])],
    nodes: [
      node('AveragePool', ['input'], ['pooled'], { kernel_shape: [cell, cell], strides: [cell, cell] }),
      node('Flatten', ['pooled'], ['flat'], { axis: 1 }),
      node('Gemm', ['flat', 'W', 'B'], [sigmoid ? 'score' : 'probability'], { transB: 1 }),
      ...(sigmoid ? [node('Sigmoid', ['score'], ['probability'])] : []),
    ],
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
  });
}
