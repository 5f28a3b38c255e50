/**
 * Converts a tfjs Keras layers model (topology + weights) into an ONNX graph for onnxruntime: the
 * layers an embedding needs, batch norms folded into their convolutions, outputs pooled to `[N, D]`.
 */
import { RoadworkError } from '../../../core/errors/index.js';
import { LAYER_CONVERTERS, globalPool, type LayerContext, type Value } from './_layers.js';
import { GraphBuilder } from './_onnx.js';
import { neededLayers, readTopology, type KerasLayer } from './_topology.js';
import { decodeWeights, type WeightSpec } from './_weights.js';

export { tfPadding } from './_layers.js';
export { missingLayer } from './_topology.js';
export { pointwiseConv, type PointwiseConv } from './_pointwise.js';
export { GraphBuilder } from './_onnx.js';
export type { WeightSpec } from './_weights.js';

/**
 * Bumped whenever the graphs this module writes change, so graphs cached on disk are rebuilt.
 * (The numbers are pinned to tfjs's by tests, not by this tag.)
 */
export const CONVERTER_VERSION = 'keras-onnx-1';

/** The Keras layer classes `kerasToOnnx` converts. */
export const CONVERTIBLE_LAYERS: readonly string[] = Object.freeze([
  'InputLayer',
  ...Object.keys(LAYER_CONVERTERS),
]);

/** A tfjs layers model as it sits in memory: `model.json`'s topology and the concatenated shards. */
export interface KerasArtifacts {
  readonly topology: Readonly<Record<string, unknown>>;
  readonly weightSpecs: readonly WeightSpec[];
  readonly weightData: ArrayBuffer;
}

/** What to build; see `TfjsModelSpec` for the meaning of each. */
export interface ConvertOptions {
  /** Layers whose outputs, side by side, are the embedding. Default: the model's outputs. */
  readonly outputs?: readonly string[];
  /** How an `[H, W, C]` output becomes a vector (`cells`: every cell, `[H, W, C]` flattened). Default `avg`. */
  readonly pooling?: 'avg' | 'max' | 'avgmax' | 'cells';
  /** Square input size; default the model's own. */
  readonly inputSize?: number;
}

/** The converted graph: input `input` `[N, C, size, size]` float32, output `embedding` `[N, dims]`. */
export interface ConvertedModel {
  readonly bytes: Uint8Array;
  readonly inputSize: number;
  readonly channels: number;
  readonly dims: number;
}

/** Builds the ONNX graph; an unknown layer or setting fails naming the layer and the reason. */
export function kerasToOnnx(artifacts: KerasArtifacts, options: ConvertOptions = {}): ConvertedModel {
  const model = readTopology(artifacts.topology);
  const outputs = options.outputs ?? model.outputs;
  if (outputs.length === 0)
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      'The tfjs model declares no output layer; name one with the layer option',
    );
  const layers = neededLayers(model, outputs);
  const inputs = layers.filter((l) => l.className === 'InputLayer');
  const first = inputs[0];
  if (first === undefined || inputs.length !== 1) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `The tfjs model has ${inputs.length} input layers; only single-input models convert`,
    );
  }
  const declared = (first.config.batch_input_shape ?? []) as (number | null)[];
  const size = options.inputSize ?? declared[1];
  const channels = declared[3] ?? 3;
  if (
    typeof size !== 'number' ||
    (declared[2] != null && declared[2] !== declared[1] && options.inputSize === undefined)
  ) {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `The tfjs model input is not a fixed square: ${JSON.stringify(declared)}; set inputSize`,
    );
  }
  const weights = decodeWeights(artifacts.weightSpecs, artifacts.weightData);
  const folds = foldableBatchNorms(layers, outputs);
  const graph = new GraphBuilder();
  const values = new Map<string, Value>();
  const input: Value = { name: graph.unique('input'), shape: [size, size, channels] };
  const base = {
    graph,
    weight: (l: KerasLayer, s: string) => {
      const w = weights.get(`${l.name}/${s}`);
      if (w === undefined)
        throw new RoadworkError(
          'ERR_MODEL_LOAD',
          `The tfjs weights have no ${l.name}/${s}; the shards do not match model.json`,
        );
      return w;
    },
  };
  for (const layer of layers) {
    if (layer.className === 'InputLayer') {
      values.set(layer.name, input);
      continue;
    }
    const ins = layer.inputs.map((n) => values.get(n)!);
    if (folds.into.has(layer.name)) {
      // Already applied by the convolution it follows.
      values.set(layer.name, ins[0]!);
      continue;
    }
    const convert = Object.hasOwn(LAYER_CONVERTERS, layer.className)
      ? LAYER_CONVERTERS[layer.className]
      : undefined;
    if (convert === undefined) {
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `Cannot convert tfjs layer "${layer.name}" (${layer.className}) to ONNX; convertible layers are ${CONVERTIBLE_LAYERS.join(', ')}; run this model with the tfjs engine (option engine: wasm)`,
      );
    }
    const folded = folds.bnOf.get(layer.name);
    const ctx: LayerContext = folded === undefined ? base : { ...base, folded };
    values.set(layer.name, convert(layer, ins, ctx));
  }
  const pooled = outputs.flatMap((name) => pool(graph, values.get(name)!, options.pooling ?? 'avg'));
  const dims = pooled.reduce((n, v) => n + v.shape[0]!, 0);
  const out =
    pooled.length === 1
      ? pooled[0]!.name
      : graph.node(
          'Concat',
          pooled.map((v) => v.name),
          { axis: 1 },
        );
  const bytes = graph.encode({
    input: input.name,
    inputDims: [channels, size, size],
    output: out,
    outputDims: dims,
    producer: `roadwork ${CONVERTER_VERSION}`,
  });
  return { bytes, inputSize: size, channels, dims };
}

/** Mirrors the tfjs runtime: images are pooled (avg, max, or both) or kept cell by cell, vectors kept. */
function pool(graph: GraphBuilder, v: Value, pooling: NonNullable<ConvertOptions['pooling']>): Value[] {
  if (v.shape.length === 1) return [v];
  if (v.shape.length !== 3)
    throw new RoadworkError('ERR_MODEL_LOAD', `Cannot pool an output of shape [${v.shape.join(', ')}]`);
  if (pooling === 'cells') {
    // Our tensors are [C, H, W]; cells are read as tfjs lays them out: [H, W, C], row-major.
    const nhwc = graph.node('Transpose', [v.name], { perm: [0, 2, 3, 1] });
    const size = v.shape.reduce((a, b) => a * b, 1);
    return [{ name: graph.node('Flatten', [nhwc], { axis: 1 }, 'pool_cells'), shape: [size] }];
  }
  const avg = () => globalPool(graph, v, 'ReduceMean', 'pool_avg');
  const max = () => globalPool(graph, v, 'ReduceMax', 'pool_max');
  return pooling === 'avg' ? [avg()] : pooling === 'max' ? [max()] : [avg(), max()];
}

/**
 * Batch norms that can be folded: those reading a linear Conv2D/DepthwiseConv2D that nothing else
 * reads (and that is not itself an output).
 */
function foldableBatchNorms(layers: readonly KerasLayer[], outputs: readonly string[]) {
  const readers = new Map<string, number>();
  for (const l of layers) for (const i of l.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of outputs) readers.set(o, (readers.get(o) ?? 0) + 1);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const into = new Set<string>();
  const bnOf = new Map<string, KerasLayer>();
  for (const bn of layers) {
    if (bn.className !== 'BatchNormalization' || bn.inputs.length !== 1) continue;
    const conv = byName.get(bn.inputs[0]!);
    if (conv === undefined || (conv.className !== 'Conv2D' && conv.className !== 'DepthwiseConv2D')) continue;
    if ((conv.config.activation ?? 'linear') !== 'linear' || readers.get(conv.name) !== 1) continue;
    into.add(bn.name);
    bnOf.set(conv.name, bn);
  }
  return { into, bnOf };
}
