// One converter per Keras layer class: Keras NHWC semantics written as ONNX NCHW nodes.
import { RoadworkError } from '../../../core/errors/index.js';
import type { GraphBuilder } from './_onnx.js';
import type { KerasLayer } from './_topology.js';
import type { Weight } from './_weights.js';

/** A Keras tensor in the graph: its ONNX value (NCHW) and its Keras shape without the batch axis. */
export interface Value {
  readonly name: string;
  /** `[H, W, C]` for images, `[C]` for vectors. */
  readonly shape: readonly number[];
}

/** What a layer converter gets besides its inputs. */
export interface LayerContext {
  readonly graph: GraphBuilder;
  /** The layer's weight `<layer>/<suffix>`; throws naming it when missing. */
  weight(layer: KerasLayer, suffix: string): Weight;
  /** The BatchNormalization layer folded into this convolution, if any. */
  readonly folded?: KerasLayer;
}

type Convert = (layer: KerasLayer, inputs: readonly Value[], ctx: LayerContext) => Value;

/** Every Keras layer class the converter knows (InputLayer is the graph's input). */
export const LAYER_CONVERTERS: Readonly<Record<string, Convert>> = Object.freeze({
  Conv2D: conv,
  DepthwiseConv2D: conv,
  BatchNormalization: batchNorm,
  ReLU: relu,
  Activation: (layer, [x], ctx) => activation(ctx.graph, one(layer, x), str(layer, 'activation'), layer),
  ZeroPadding2D: zeroPadding,
  Add: (layer, xs, ctx) => merge(layer, xs, ctx, 'Sum'),
  Multiply: (layer, xs, ctx) => merge(layer, xs, ctx, 'Mul'),
  Concatenate: concatenate,
  AveragePooling2D: pool,
  MaxPooling2D: pool,
  GlobalAveragePooling2D: (layer, [x], ctx) =>
    globalPool(ctx.graph, image(layer, x), 'ReduceMean', layer.name),
  GlobalMaxPooling2D: (layer, [x], ctx) => globalPool(ctx.graph, image(layer, x), 'ReduceMax', layer.name),
  Flatten: flatten,
  Dense: dense,
  Dropout: (layer, [x]) => one(layer, x),
});

/** Keras activations by name, as ONNX nodes; `linear` adds none. */
const ACTIVATIONS: Readonly<
  Record<string, (g: GraphBuilder, x: string, rank: number, name: string) => string>
> = Object.freeze({
  linear: (_g, x) => x,
  relu: (g, x, _r, name) => g.node('Relu', [x], {}, name),
  relu6: (g, x, _r, name) => clip(g, x, 0, 6, name),
  sigmoid: (g, x, _r, name) => g.node('Sigmoid', [x], {}, name),
  tanh: (g, x, _r, name) => g.node('Tanh', [x], {}, name),
  elu: (g, x, _r, name) => g.node('Elu', [x], { alpha: { float: 1 } }, name),
  softmax: (g, x, rank, name) => g.node('Softmax', [x], { axis: rank === 3 ? 1 : -1 }, name),
});

/** Pads TensorFlow's way: `same` puts the odd pixel after (bottom/right), `valid` none. */
export function tfPadding(size: number, kernel: number, stride: number, dilation: number, same: boolean) {
  const k = (kernel - 1) * dilation + 1;
  if (!same) return { before: 0, after: 0, out: Math.floor((size - k) / stride) + 1 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return { before: Math.floor(total / 2), after: total - Math.floor(total / 2), out };
}

function conv(layer: KerasLayer, [input]: readonly Value[], ctx: LayerContext): Value {
  const x = image(layer, input);
  const [h, w, c] = x.shape as [number, number, number];
  const depthwise = layer.className === 'DepthwiseConv2D';
  const [kh, kw] = pair(layer, 'kernel_size');
  const [sh, sw] = pair(layer, 'strides', 1);
  const [dh, dw] = pair(layer, 'dilation_rate', 1);
  const same = padding(layer);
  const kernel = ctx.weight(layer, depthwise ? 'depthwise_kernel' : 'kernel');
  const mult = depthwise ? (kernel.shape[3] ?? 1) : 1;
  const out = depthwise ? c * mult : (kernel.shape[3] ?? 0);
  const perOut = (depthwise ? 1 : c) * kh * kw;
  const weights = new Float32Array(out * perOut);
  const k = kernel.values;
  // Keras [kh, kw, cin, cout] (depthwise: [kh, kw, cin, mult]) → ONNX [cout, cin/group, kh, kw].
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let ci = 0; ci < c; ci++) {
        const base = ((i * kw + j) * c + ci) * (depthwise ? mult : out);
        if (depthwise) {
          for (let m = 0; m < mult; m++) weights[(ci * mult + m) * kh * kw + i * kw + j] = k[base + m]!;
        } else {
          for (let co = 0; co < out; co++) weights[((co * c + ci) * kh + i) * kw + j] = k[base + co]!;
        }
      }
    }
  }
  const bias =
    layer.config.use_bias !== false
      ? Float32Array.from(ctx.weight(layer, 'bias').values)
      : new Float32Array(out);
  if (ctx.folded !== undefined) {
    // Folding the batch norm into the kernel saves a pass over the activations; rounding moves by ~1e-7.
    const { scale, shift } = batchNormAffine(ctx.folded, ctx, out);
    for (let co = 0; co < out; co++) {
      for (let p = 0; p < perOut; p++) weights[co * perOut + p] = weights[co * perOut + p]! * scale[co]!;
      bias[co] = bias[co]! * scale[co]! + shift[co]!;
    }
  }
  const ph = tfPadding(h, kh, sh, dh, same);
  const pw = tfPadding(w, kw, sw, dw, same);
  const g = ctx.graph;
  const y = g.node(
    'Conv',
    [
      x.name,
      g.floats(`${layer.name}/W`, [out, depthwise ? 1 : c, kh, kw], weights),
      g.floats(`${layer.name}/B`, [out], bias),
    ],
    {
      kernel_shape: [kh, kw],
      strides: [sh, sw],
      dilations: [dh, dw],
      pads: [ph.before, pw.before, ph.after, pw.after],
      group: depthwise ? c : 1,
    },
    ctx.folded?.name ?? layer.name,
  );
  return activation(
    g,
    { name: y, shape: [ph.out, pw.out, out] },
    String(layer.config.activation ?? 'linear'),
    layer,
  );
}

/** A batch norm as `y = x · scale + shift` per channel (Keras: gamma, beta optional; epsilon). */
export function batchNormAffine(layer: KerasLayer, ctx: Pick<LayerContext, 'weight'>, channels: number) {
  const axis = layer.config.axis;
  if (
    axis !== -1 &&
    axis !== 3 &&
    !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3))
  ) {
    throw unsupported(layer, `normalises axis ${JSON.stringify(axis)}, not the channels`);
  }
  const eps = typeof layer.config.epsilon === 'number' ? layer.config.epsilon : 1e-3;
  const gamma = layer.config.scale !== false ? ctx.weight(layer, 'gamma').values : undefined;
  const beta = layer.config.center !== false ? ctx.weight(layer, 'beta').values : undefined;
  const mean = ctx.weight(layer, 'moving_mean').values;
  const variance = ctx.weight(layer, 'moving_variance').values;
  if (mean.length !== channels) throw unsupported(layer, `has ${mean.length} channels for ${channels}`);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let i = 0; i < channels; i++) {
    scale[i] = (gamma?.[i] ?? 1) / Math.sqrt(variance[i]! + eps);
    shift[i] = (beta?.[i] ?? 0) - mean[i]! * scale[i]!;
  }
  return { scale, shift };
}

function batchNorm(layer: KerasLayer, [x]: readonly Value[], ctx: LayerContext): Value {
  const v = one(layer, x);
  const c = v.shape.at(-1)!;
  const { scale, shift } = batchNormAffine(layer, ctx, c);
  const g = ctx.graph;
  const dims = v.shape.length === 3 ? [c, 1, 1] : [c];
  const mul = g.node('Mul', [v.name, g.floats(`${layer.name}/scale`, dims, Float32Array.from(scale))]);
  const add = g.node(
    'Add',
    [mul, g.floats(`${layer.name}/shift`, dims, Float32Array.from(shift))],
    {},
    layer.name,
  );
  return { name: add, shape: v.shape };
}

function relu(layer: KerasLayer, [x]: readonly Value[], ctx: LayerContext): Value {
  const v = one(layer, x);
  const { max_value: max, negative_slope: slope, threshold } = layer.config;
  if ((slope ?? 0) !== 0 || (threshold ?? 0) !== 0) {
    throw unsupported(layer, `has negative_slope ${String(slope)} / threshold ${String(threshold)}`);
  }
  const g = ctx.graph;
  const y =
    typeof max === 'number' ? clip(g, v.name, 0, max, layer.name) : g.node('Relu', [v.name], {}, layer.name);
  return { name: y, shape: v.shape };
}

function activation(g: GraphBuilder, x: Value, name: string, layer: KerasLayer): Value {
  const make = Object.hasOwn(ACTIVATIONS, name) ? ACTIVATIONS[name] : undefined;
  if (make === undefined) {
    throw unsupported(
      layer,
      `uses activation "${name}"; convertible activations are ${Object.keys(ACTIVATIONS).join(', ')}`,
    );
  }
  return { name: make(g, x.name, x.shape.length, `${layer.name}/${name}`), shape: x.shape };
}

function clip(g: GraphBuilder, x: string, lo: number, hi: number, name: string): string {
  const bounds = [
    g.floats(`${name}/min`, [], Float32Array.of(lo)),
    g.floats(`${name}/max`, [], Float32Array.of(hi)),
  ];
  return g.node('Clip', [x, ...bounds], {}, name);
}

function zeroPadding(layer: KerasLayer, [x]: readonly Value[], ctx: LayerContext): Value {
  const v = image(layer, x);
  const p = layer.config.padding ?? 1;
  const [[t, b], [l, r]] = (
    typeof p === 'number'
      ? [
          [p, p],
          [p, p],
        ]
      : (p as unknown[]).map((d) => (typeof d === 'number' ? [d, d] : d))
  ) as [[number, number], [number, number]];
  const g = ctx.graph;
  const y = g.node('Pad', [v.name, g.int64s(`${layer.name}/pads`, [0, 0, t, l, 0, 0, b, r])], {}, layer.name);
  return { name: y, shape: [v.shape[0]! + t + b, v.shape[1]! + l + r, v.shape[2]!] };
}

function merge(layer: KerasLayer, xs: readonly Value[], ctx: LayerContext, op: 'Sum' | 'Mul'): Value {
  if (xs.length < 2) throw unsupported(layer, `has ${xs.length} input(s)`);
  const shape = xs[0]!.shape;
  if (xs.some((x) => x.shape.join() !== shape.join())) throw unsupported(layer, 'broadcasts its inputs');
  const y = ctx.graph.node(
    op === 'Sum' && xs.length === 2 ? 'Add' : op,
    xs.map((x) => x.name),
    {},
    layer.name,
  );
  return { name: y, shape };
}

function concatenate(layer: KerasLayer, xs: readonly Value[], ctx: LayerContext): Value {
  const rank = xs[0]!.shape.length;
  const raw = typeof layer.config.axis === 'number' ? layer.config.axis : -1;
  // Keras axes count the batch: 1..rank; -1 is the channels.
  const keras = raw < 0 ? rank + 1 + raw : raw;
  if (keras < 1 || keras > rank) throw unsupported(layer, `joins along axis ${raw}`);
  const onnxAxis = rank === 3 ? [0, 2, 3, 1][keras]! : keras;
  const shape = [...xs[0]!.shape];
  shape[keras - 1] = xs.reduce((n, x) => n + x.shape[keras - 1]!, 0);
  return {
    name: ctx.graph.node(
      'Concat',
      xs.map((x) => x.name),
      { axis: onnxAxis },
      layer.name,
    ),
    shape,
  };
}

function pool(layer: KerasLayer, [x]: readonly Value[], ctx: LayerContext): Value {
  const v = image(layer, x);
  const [kh, kw] = pair(layer, 'pool_size', 2);
  const [sh, sw] = layer.config.strides == null ? [kh, kw] : pair(layer, 'strides');
  const same = padding(layer);
  const ph = tfPadding(v.shape[0]!, kh, sh, 1, same);
  const pw = tfPadding(v.shape[1]!, kw, sw, 1, same);
  const avg = layer.className === 'AveragePooling2D';
  const y = ctx.graph.node(
    avg ? 'AveragePool' : 'MaxPool',
    [v.name],
    {
      kernel_shape: [kh, kw],
      strides: [sh, sw],
      pads: [ph.before, pw.before, ph.after, pw.after],
      // TensorFlow averages only the pixels inside the image.
      ...(avg ? { count_include_pad: 0 } : {}),
    },
    layer.name,
  );
  return { name: y, shape: [ph.out, pw.out, v.shape[2]!] };
}

/** `[N, C, H, W]` → `[N, C]` by mean or max over the spatial axes. */
export function globalPool(g: GraphBuilder, x: Value, op: 'ReduceMean' | 'ReduceMax', name: string): Value {
  return { name: g.node(op, [x.name], { axes: [2, 3], keepdims: 0 }, name), shape: [x.shape[2]!] };
}

function flatten(layer: KerasLayer, [x]: readonly Value[], ctx: LayerContext): Value {
  const v = one(layer, x);
  if (v.shape.length === 1) return v;
  const g = ctx.graph;
  const size = v.shape.reduce((a, b) => a * b, 1);
  // Keras flattens NHWC; our tensors are NCHW, which only agree when the grid is 1×1.
  const nhwc =
    v.shape[0] === 1 && v.shape[1] === 1 ? v.name : g.node('Transpose', [v.name], { perm: [0, 2, 3, 1] });
  return { name: g.node('Flatten', [nhwc], { axis: 1 }, layer.name), shape: [size] };
}

function dense(layer: KerasLayer, [x]: readonly Value[], ctx: LayerContext): Value {
  const v = one(layer, x);
  if (v.shape.length !== 1) throw unsupported(layer, `is applied to a ${v.shape.length + 1}-d tensor`);
  const kernel = ctx.weight(layer, 'kernel');
  const units = kernel.shape[1]!;
  const g = ctx.graph;
  const bias = layer.config.use_bias !== false ? ctx.weight(layer, 'bias').values : new Float32Array(units);
  const y = g.node(
    'Gemm',
    [
      v.name,
      g.floats(`${layer.name}/W`, kernel.shape, kernel.values),
      g.floats(`${layer.name}/B`, [units], bias),
    ],
    {},
    layer.name,
  );
  return activation(g, { name: y, shape: [units] }, String(layer.config.activation ?? 'linear'), layer);
}

function one(layer: KerasLayer, x: Value | undefined): Value {
  if (x === undefined) throw unsupported(layer, 'has no input');
  return x;
}

function image(layer: KerasLayer, x: Value | undefined): Value {
  const v = one(layer, x);
  if (v.shape.length !== 3)
    throw unsupported(layer, `needs an image tensor, got shape [${v.shape.join(', ')}]`);
  if ((layer.config.data_format ?? 'channels_last') !== 'channels_last') {
    throw unsupported(layer, `uses data_format ${String(layer.config.data_format)}`);
  }
  return v;
}

function pair(layer: KerasLayer, key: string, fallback?: number): [number, number] {
  const v = layer.config[key] ?? fallback;
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((n) => Number.isInteger(n)))
    return [v[0] as number, v[1] as number];
  throw unsupported(layer, `has ${key} ${JSON.stringify(v)}`);
}

function padding(layer: KerasLayer): boolean {
  const p = layer.config.padding ?? 'valid';
  if (p !== 'same' && p !== 'valid') throw unsupported(layer, `has padding ${JSON.stringify(p)}`);
  return p === 'same';
}

function str(layer: KerasLayer, key: string): string {
  return String(layer.config[key] ?? 'linear');
}

/** The converter's error for a layer it cannot write: names the layer, its class and why. */
export function unsupported(layer: KerasLayer, why: string): RoadworkError {
  return new RoadworkError(
    'ERR_MODEL_LOAD',
    `Cannot convert tfjs layer "${layer.name}" (${layer.className}) to ONNX: it ${why}; run this model with the tfjs engine (option engine: wasm)`,
  );
}
