// The baseline roadwork graph (models/baseline/, trained by train-baseline.ts): hand-picked colour and
// layout features, then a logistic regression.
import {
  encodeModel,
  floatTensor,
  int64Tensor,
  node,
  type NodeProto,
  type TensorProto,
} from './_onnx-graph.js';

// Inequalities a·(R,G,B) + b > 0 over pixels in [0,1]; a pixel is in a mask when all three hold.
// Orange: traffic cones, barrels, work-zone signs. Yellow: warning signs, machinery, vests.
const MASKS = [
  [
    [1, -1, 0, -0.22],
    [0, 1, -1, -0.02],
    [1, 0, 0, -0.45],
  ],
  [
    [1, 0, 0, -0.5],
    [0, 1, 0, -0.45],
    [0, 1, -1, -0.3],
  ],
] as const;

const RGB_GRID = 8;
const MASK_GRID = 4;

/** Feature count the baseline graph produces: pooled RGB, mask fractions, saturation, channel spread. */
export const BASELINE_FEATURE_COUNT = 3 * RGB_GRID ** 2 + (MASKS.length + 1) * MASK_GRID ** 2 + 3;

/** The input the baseline expects: RGB scaled to [0,1], no mean/std shift. */
export const BASELINE_NORMALIZATION = Object.freeze({ mean: [0, 0, 0] as const, std: [1, 1, 1] as const });

function featureGraph(size: number): { nodes: NodeProto[]; initializers: TensorProto[] } {
  if (size % RGB_GRID !== 0 || size % MASK_GRID !== 0) {
    throw new Error(`Baseline input size must divide by ${RGB_GRID}: got ${size}.`);
  }
  const rgbCell = size / RGB_GRID;
  const maskCell = size / MASK_GRID;
  const maskPool = { kernel_shape: [maskCell, maskCell], strides: [maskCell, maskCell] };
  const rows = MASKS.flat();
  const initializers = [
    floatTensor(
      'mask_w',
      [rows.length, 3, 1, 1],
      rows.flatMap((r) => [r[0], r[1], r[2]]),
    ),
    floatTensor(
      'mask_b',
      [rows.length],
      rows.map((r) => r[3]),
    ),
    floatTensor('zero', [], [0]),
    int64Tensor('mask_shape', [0, MASKS.length, 3, size, size]),
  ];
  const nodes = [
    node('AveragePool', ['input'], ['rgb_grid'], {
      kernel_shape: [rgbCell, rgbCell],
      strides: [rgbCell, rgbCell],
    }),
    node('Flatten', ['rgb_grid'], ['f_rgb'], { axis: 1 }),
    // Colour masks: a 1×1 conv evaluates every inequality, AND is the minimum over a mask's three tests.
    node('Conv', ['input', 'mask_w', 'mask_b'], ['mask_lin']),
    node('Greater', ['mask_lin', 'zero'], ['mask_bool']),
    node('Cast', ['mask_bool'], ['mask_f'], { to: 1 }),
    node('Reshape', ['mask_f', 'mask_shape'], ['mask_tests']),
    node('ReduceMin', ['mask_tests'], ['masks'], { axes: [2], keepdims: 0 }),
    node('AveragePool', ['masks'], ['mask_grid'], maskPool),
    // Square root spreads the tiny fractions a few cones cover, which a linear model cannot do itself.
    node('Sqrt', ['mask_grid'], ['mask_grid_sqrt']),
    node('Flatten', ['mask_grid_sqrt'], ['f_mask'], { axis: 1 }),
    node('ReduceMax', ['input'], ['cmax'], { axes: [1], keepdims: 1 }),
    node('ReduceMin', ['input'], ['cmin'], { axes: [1], keepdims: 1 }),
    node('Sub', ['cmax', 'cmin'], ['chroma']),
    node('AveragePool', ['chroma'], ['chroma_grid'], maskPool),
    node('Flatten', ['chroma_grid'], ['f_chroma'], { axis: 1 }),
    node('GlobalAveragePool', ['input'], ['mean']),
    node('Mul', ['input', 'input'], ['square']),
    node('GlobalAveragePool', ['square'], ['mean_sq']),
    node('Mul', ['mean', 'mean'], ['mean_2']),
    node('Sub', ['mean_sq', 'mean_2'], ['variance_raw']),
    node('Relu', ['variance_raw'], ['variance']),
    node('Sqrt', ['variance'], ['spread']),
    node('Flatten', ['spread'], ['f_spread'], { axis: 1 }),
    node('Concat', ['f_rgb', 'f_mask', 'f_chroma', 'f_spread'], ['features'], { axis: 1 }),
  ];
  return { nodes, initializers };
}

/** The feature extractor alone (output `features` [N, BASELINE_FEATURE_COUNT]); training runs it. */
export function buildBaselineFeatureModel(options: { inputSize?: number } = {}): Uint8Array {
  const size = options.inputSize ?? 224;
  const { nodes, initializers } = featureGraph(size);
  return encodeModel({
    name: 'baseline-features',
    nodes,
    initializers,
    input: { name: 'input', dims: ['N', 3, size, size] },
    output: { name: 'features', dims: ['N', BASELINE_FEATURE_COUNT] },
  });
}

/** A fitted logistic regression over standardised baseline features. */
export interface BaselineWeights {
  readonly weights: ArrayLike<number>;
  readonly bias: number;
  /** Per-feature mean and standard deviation used to standardise during training. */
  readonly featureMean: ArrayLike<number>;
  readonly featureStd: ArrayLike<number>;
}

/** The full model: features, standardisation folded into the Gemm, sigmoid → `probability` [N,1]. */
export function buildBaselineModel(
  fit: BaselineWeights,
  options: { inputSize?: number; metadata?: Readonly<Record<string, string>> } = {},
): Uint8Array {
  const size = options.inputSize ?? 224;
  const { nodes, initializers } = featureGraph(size);
  const folded = new Float32Array(BASELINE_FEATURE_COUNT);
  let bias = fit.bias;
  for (let j = 0; j < BASELINE_FEATURE_COUNT; j++) {
    const std = fit.featureStd[j]! > 1e-6 ? fit.featureStd[j]! : 1;
    folded[j] = fit.weights[j]! / std;
    bias -= (fit.weights[j]! * fit.featureMean[j]!) / std;
  }
  return encodeModel({
    name: 'baseline-roadwork',
    nodes: [
      ...nodes,
      node('Gemm', ['features', 'lr_w', 'lr_b'], ['score'], { transB: 1 }),
      node('Sigmoid', ['score'], ['probability']),
    ],
    initializers: [
      ...initializers,
      floatTensor('lr_w', [1, BASELINE_FEATURE_COUNT], folded),
      floatTensor('lr_b', [1], [bias]),
    ],
    input: { name: 'input', dims: ['N', 3, size, size] },
    output: { name: 'probability', dims: ['N', 1] },
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
  });
}
