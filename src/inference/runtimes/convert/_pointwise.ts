// Reads one 1×1 convolution of a Keras model (its batch norm folded in) as a dense layer, so a
// trainer can start a conv head from the backbone's own weights and fine-tune them.
import { RoadworkError } from '../../../core/errors/index.js';
import { batchNormAffine } from './_layers.js';
import { readTopology, type KerasLayer } from './_topology.js';
import { decodeWeights, type WeightSpec } from './_weights.js';

/** A pointwise convolution as `relu6(bias + weights · cell)`: `units` rows of `cellDims`. */
export interface PointwiseConv {
  readonly layer: string;
  /** The layer whose output the convolution reads (the embedding layer a conv head needs). */
  readonly input: string;
  readonly cellDims: number;
  readonly units: number;
  /** Row-major `[units, cellDims]`. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

const invalid = (layer: string, why: string) =>
  new RoadworkError(
    'ERR_CONFIG_INVALID',
    `Cannot start a conv head from tfjs layer "${layer}": ${why}; name a linear 1×1 Conv2D followed by ReLU6 (MobileNetV2: Conv_1)`,
  );

/**
 * `layer` of the model: a linear 1×1, stride-1 Conv2D, optionally followed by a BatchNormalization
 * (folded in), then a ReLU capped at 6 (a `ReLU` layer with `max_value: 6` or a `relu6` activation).
 */
export function pointwiseConv(
  artifacts: {
    readonly topology: Readonly<Record<string, unknown>>;
    readonly weightSpecs: readonly WeightSpec[];
    readonly weightData: ArrayBuffer;
  },
  layer: string,
): PointwiseConv {
  const { layers } = readTopology(artifacts.topology);
  const conv = layers.find((l) => l.name === layer);
  if (conv === undefined) throw invalid(layer, 'no such layer');
  const [kh, kw] = (conv.config.kernel_size ?? []) as number[];
  const strides = (conv.config.strides ?? [1, 1]) as number[];
  if (conv.className !== 'Conv2D' || kh !== 1 || kw !== 1 || strides.some((s) => s !== 1))
    throw invalid(layer, `it is a ${conv.className} with kernel ${String(kh)}×${String(kw)}`);
  if ((conv.config.activation ?? 'linear') !== 'linear') throw invalid(layer, 'it has its own activation');
  const [input] = conv.inputs;
  if (input === undefined || conv.inputs.length !== 1) throw invalid(layer, 'it does not read one layer');
  const readers = (name: string) => layers.filter((l) => l.inputs.includes(name));
  const weights = decodeWeights(artifacts.weightSpecs, artifacts.weightData);
  const ctx = {
    weight: (l: KerasLayer, suffix: string) => {
      const w = weights.get(`${l.name}/${suffix}`);
      if (w === undefined) throw invalid(layer, `the weights have no ${l.name}/${suffix}`);
      return w;
    },
  };
  const kernel = ctx.weight(conv, 'kernel');
  const cellDims = kernel.shape[2]!;
  const units = kernel.shape[3]!;
  // Keras [1, 1, cin, cout] → rows [cout][cin].
  const w = new Float32Array(units * cellDims);
  for (let ci = 0; ci < cellDims; ci++)
    for (let co = 0; co < units; co++) w[co * cellDims + ci] = kernel.values[ci * units + co]!;
  const bias =
    conv.config.use_bias !== false
      ? Float32Array.from(ctx.weight(conv, 'bias').values)
      : new Float32Array(units);
  let next = readers(layer);
  if (next.length === 1 && next[0]!.className === 'BatchNormalization') {
    const { scale, shift } = batchNormAffine(next[0]!, ctx, units);
    for (let co = 0; co < units; co++) {
      for (let ci = 0; ci < cellDims; ci++) w[co * cellDims + ci] = w[co * cellDims + ci]! * scale[co]!;
      bias[co] = bias[co]! * scale[co]! + shift[co]!;
    }
    next = readers(next[0]!.name);
  }
  const act = next.length === 1 ? next[0]! : undefined;
  const relu6 =
    act !== undefined &&
    ((act.className === 'ReLU' && act.config.max_value === 6 && !act.config.negative_slope) ||
      (act.className === 'Activation' && act.config.activation === 'relu6'));
  if (!relu6) throw invalid(layer, 'it is not followed by a ReLU6');
  return { layer, input, cellDims, units, weights: w, bias };
}
