// The head file: its format, validation, and the logit it computes for one embedding.
import { readFile } from 'node:fs/promises';
import { RoadworkError } from '../../core/errors/index.js';
import { convLogit, convProblem, convTail, packConv, type ConvSpec, type PackedConv } from './_conv.js';
import { milLayerWidth, milLogit, milProblem, type MilSpec } from './_mil.js';
import { treesLogit, treesProblem, type TreesSpec } from './_trees.js';

/**
 * One dense layer: `out[j] = act(bias[j] + Σ_i weights[j][i] · in[i])`. `relu6` (min(max(x, 0), 6))
 * only in a conv head's convolution.
 */
export interface DenseLayer {
  readonly weights: readonly (readonly number[])[];
  readonly bias: readonly number[];
  readonly activation: 'relu' | 'relu6' | 'none';
}

/**
 * A head file's content. The last layer (a trees head has none) has one output: the logit of
 * p(roadwork). Version 1 holds `logistic` and `mlp` heads; version 2 adds `mil`, version 3 `conv`,
 * version 4 `logistic` and `mlp` heads that read some of the embedding's columns (`columns`),
 * version 5 `trees` (with or without `columns`). Older readers refuse each by its version.
 */
export interface Head {
  readonly format: 'roadwork-head';
  readonly version: 1 | 2 | 3 | 4 | 5;
  readonly type: 'logistic' | 'mlp' | 'mil' | 'conv' | 'trees';
  /** The embedding's width: what the embedder must give. */
  readonly inputDims: number;
  /**
   * Version 4 `logistic` and `mlp` heads, and version 5 `trees` heads: the head reads columns
   * `[from, to)` of the embedding and nothing else, so its first layer's rows (and `normalize`), or
   * its trees' feature numbers, count from `from`.
   */
  readonly columns?: readonly [number, number];
  /**
   * `mil` only: the input is a grid of cells (`cells` × `cellDims`, as a tfjs embedder with
   * `pooling: cells` gives it) plus a global tail (e.g. colour/shape features). The one layer's
   * weights are `cellDims` per-cell weights then one per tail value; each cell's score (bias
   * included) is pooled over the cells and the tail's dot product added.
   */
  readonly mil?: MilSpec;
  /**
   * `conv` only: the same grid of cells and tail. Two layers: the convolution (`units` rows of
   * `cellDims` weights, `relu6`), applied to every cell and max-pooled per channel; then the output
   * (one row: `units` weights for the pool, then one per tail value; no activation).
   */
  readonly conv?: ConvSpec;
  /**
   * `trees` only: boosted decision trees on the raw (not standardised) values; the logit is their
   * sum. Such a head has no `layers` (an empty list) and no `normalize`.
   */
  readonly trees?: TreesSpec;
  /** Per-feature standardisation applied before the first layer (optional). */
  readonly normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly layers: readonly DenseLayer[];
  /** Temperature scaling: the logit is divided by it (1 = none). */
  readonly temperature: number;
  /** Added to the scaled logit so that the reward-optimal threshold maps to exactly 0.5. */
  readonly shift: number;
  /** The embedder version the head was trained on; a mismatch refuses to load in the cascade. */
  readonly embedder?: string;
  readonly metrics?: Readonly<Record<string, unknown>>;
}

/** Validates parsed JSON as a head; errors name the file and the field. */
export function parseHead(data: unknown, source = 'head'): Head {
  const fail = (what: string): never => {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `Invalid head file ${source}: ${what}; re-export it with \`roadwork train\``,
    );
  };
  if (data === null || typeof data !== 'object') fail('not a JSON object');
  const h = data as Record<string, unknown>;
  if (h.format !== 'roadwork-head' || ![1, 2, 3, 4, 5].includes(h.version as number))
    fail(`format/version: ${String(h.format)}/${String(h.version)}`);
  if (!['logistic', 'mlp', 'mil', 'conv', 'trees'].includes(h.type as string))
    fail(`type: ${String(h.type)}`);
  if (h.type === 'mil' && h.version !== 2) fail('a mil head is version 2');
  if (h.type === 'conv' && h.version !== 3) fail('a conv head is version 3');
  if ((h.type === 'trees') !== (h.version === 5))
    fail('a trees head is version 5, and version 5 is a trees head');
  const inputDims = h.inputDims;
  if (!Number.isInteger(inputDims) || (inputDims as number) < 1) fail(`inputDims: ${String(inputDims)}`);
  if (!Array.isArray(h.layers)) fail('layers: not a list');
  if (h.type === 'trees' ? (h.layers as unknown[]).length > 0 : (h.layers as unknown[]).length === 0)
    fail(h.type === 'trees' ? 'layers: a trees head has none' : 'layers: empty');
  let width = inputDims as number;
  if (h.columns !== undefined || h.version === 4) {
    if (!(h.version === 4 && (h.type === 'logistic' || h.type === 'mlp')) && h.version !== 5)
      fail(
        'columns: only in a version 4 logistic or mlp head or a trees head, and a version 4 head has them',
      );
    const c = h.columns;
    if (
      !Array.isArray(c) ||
      c.length !== 2 ||
      !c.every(Number.isInteger) ||
      !(0 <= c[0] && c[0] < c[1] && c[1] <= width)
    )
      fail(`columns: ${JSON.stringify(c)} (want [from, to] with 0 ≤ from < to ≤ inputDims ${width})`);
    width = (c as number[])[1]! - (c as number[])[0]!;
  }
  const firstWidth = width;
  if (h.type === 'trees') {
    const problem = treesProblem(h.trees, width);
    if (problem !== undefined) fail(problem);
    if (h.normalize !== undefined) fail('a trees head reads the raw values: no normalize');
  } else if (h.trees !== undefined) fail(`trees: only for a trees head, not ${String(h.type)}`);
  if (h.type === 'mil') {
    const problem = milProblem(h.mil, width);
    if (problem !== undefined) fail(problem);
    if (h.normalize !== undefined) fail('a mil head has its standardisation folded into its weights');
    width = milLayerWidth(h.mil as MilSpec, width);
  } else if (h.mil !== undefined) fail(`mil: only for a mil head, not ${String(h.type)}`);
  let conv: ConvSpec | undefined;
  if (h.type === 'conv') {
    const problem = convProblem(h.conv, width);
    if (problem !== undefined) fail(problem);
    if (h.normalize !== undefined) fail('a conv head has its standardisation folded into its weights');
    if ((h.layers as unknown[]).length !== 2) fail('a conv head has exactly two layers');
    conv = h.conv as ConvSpec;
    width = conv.cellDims;
  } else if (h.conv !== undefined) fail(`conv: only for a conv head, not ${String(h.type)}`);
  (h.layers as unknown[]).forEach((raw, li) => {
    const l = raw as Record<string, unknown>;
    if (!Array.isArray(l.weights) || !Array.isArray(l.bias) || l.weights.length !== l.bias.length) {
      fail(`layers[${li}]: weights and bias must be arrays of the same length`);
    }
    for (const row of l.weights as unknown[]) {
      if (!Array.isArray(row) || row.length !== width || !row.every(Number.isFinite))
        fail(`layers[${li}].weights: rows must be ${width} finite numbers`);
    }
    if (!(l.bias as unknown[]).every(Number.isFinite)) fail(`layers[${li}].bias: not finite`);
    const wanted = conv === undefined ? ['relu', 'none'] : li === 0 ? ['relu6'] : ['none'];
    if (!wanted.includes(l.activation as string))
      fail(`layers[${li}].activation: ${String(l.activation)} (want ${wanted.join(' or ')})`);
    width = (l.bias as unknown[]).length;
    if (conv !== undefined && li === 0) {
      if (width !== conv.units) fail(`layers[0]: ${width} channels for conv.units ${conv.units}`);
      width = conv.units + convTail(conv, inputDims as number);
    }
  });
  if (h.type !== 'trees' && width !== 1) fail(`the last layer must have 1 output: ${width}`);
  if ((h.type === 'logistic' || h.type === 'mil') && (h.layers as unknown[]).length !== 1)
    fail(`a ${String(h.type)} head has exactly one layer`);
  if (h.type === 'mil' && (h.layers as { activation: string }[])[0]!.activation !== 'none')
    fail("a mil head's layer has no activation");
  if (h.normalize !== undefined) {
    const n = h.normalize as Record<string, unknown>;
    const ok = (v: unknown) => Array.isArray(v) && v.length === firstWidth && v.every(Number.isFinite);
    if (!ok(n.mean) || !ok(n.std) || (n.std as number[]).some((s) => s <= 0))
      fail(`normalize: mean/std must be ${firstWidth} finite numbers (the head's inputs), std > 0`);
  }
  if (typeof h.temperature !== 'number' || !(h.temperature > 0))
    fail(`temperature: ${String(h.temperature)}`);
  if (!Number.isFinite(h.shift)) fail(`shift: ${String(h.shift)}`);
  return Object.freeze(h) as unknown as Head;
}

/** Reads and validates a head file. */
export async function loadHead(file: string): Promise<Head> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new RoadworkError('ERR_MODEL_LOAD', `Cannot read head file: ${file}; check the path`, {
      cause: err,
    });
  }
  try {
    return parseHead(JSON.parse(text), file);
  } catch (err) {
    if (err instanceof RoadworkError) throw err;
    throw new RoadworkError('ERR_MODEL_LOAD', `Head file is not JSON: ${file}`, { cause: err });
  }
}

/** The raw logit (before temperature and shift) for one embedding. */
export function headLogit(head: Head, embedding: ArrayLike<number>): number {
  if (embedding.length !== head.inputDims) {
    throw new RoadworkError(
      'ERR_MODEL_OUTPUT',
      `Embedding has ${embedding.length} dims; the head expects ${head.inputDims}`,
    );
  }
  if (head.mil !== undefined) {
    const layer = head.layers[0] as DenseLayer;
    return milLogit(head.mil, layer.weights[0] as readonly number[], layer.bias[0] as number, embedding);
  }
  if (head.conv !== undefined) {
    const out = head.layers[1] as DenseLayer;
    return convLogit(head.conv, packedConv(head), out.weights[0]!, out.bias[0]!, embedding);
  }
  if (head.trees !== undefined) return treesLogit(head.trees, embedding, head.columns?.[0] ?? 0);
  // A column head's first layer reads the embedding from its first column on (no copy).
  let x: ArrayLike<number> = embedding;
  let offset = head.columns?.[0] ?? 0;
  if (head.normalize) {
    const { mean, std } = head.normalize;
    const from = offset;
    x = Float64Array.from(mean, (m, i) => ((embedding[from + i] as number) - m) / (std[i] as number));
    offset = 0;
  }
  for (const layer of head.layers) {
    const out = new Float64Array(layer.bias.length);
    for (let j = 0; j < out.length; j++) {
      const row = layer.weights[j] as readonly number[];
      let s = layer.bias[j] as number;
      for (let i = 0; i < row.length; i++) s += (row[i] as number) * (x[offset + i] as number);
      out[j] = layer.activation === 'relu' && s < 0 ? 0 : s;
    }
    x = out;
    offset = 0;
  }
  return x[0] as number;
}

const PACKED = new WeakMap<Head, PackedConv>();

/** A conv head's convolution as float32 rows, packed on first use (a head file is read once). */
function packedConv(head: Head): PackedConv {
  let packed = PACKED.get(head);
  if (packed === undefined) {
    const layer = head.layers[0] as DenseLayer;
    packed = packConv(layer.weights, layer.bias);
    PACKED.set(head, packed);
  }
  return packed;
}

/** The calibrated logit: `logit / temperature + shift`. */
export function calibratedLogit(head: Head, logit: number): number {
  return logit / head.temperature + head.shift;
}

/** p(roadwork) for one embedding, calibrated. */
export function headProbability(head: Head, embedding: ArrayLike<number>): number {
  return sigmoid(calibratedLogit(head, headLogit(head, embedding)));
}

/** The logistic function, stable for large |z|. */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** The inverse of `sigmoid`, clamped away from 0 and 1. */
export function logit(p: number, eps = 1e-7): number {
  const q = Math.min(1 - eps, Math.max(eps, p));
  return Math.log(q / (1 - q));
}
