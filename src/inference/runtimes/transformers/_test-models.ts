// Test fixture: tiny but real transformers.js model folders (configs + onnx/model.onnx built in code).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INTS = onnx.AttributeProto.AttributeType.INTS;
const INT = onnx.AttributeProto.AttributeType.INT;

function io(name: string, dims: readonly (number | string)[]): onnxProto.onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: FLOAT, shape: { dim } } } };
}

function encode(graph: onnxProto.onnx.IGraphProto): Uint8Array {
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({ irVersion: 7, opsetImport: [{ domain: '', version: 13 }], graph }),
  ).finish();
}

/** Folder files by relative path. */
export type ModelFiles = Record<string, Uint8Array>;

/** Writes `files` under `dir`. */
export async function writeModel(dir: string, files: ModelFiles): Promise<void> {
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), bytes);
  }
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

/** The tiny embedder's shape and weights, for computing expected outputs. */
export const EMBEDDER = Object.freeze({
  size: 8,
  patch: 4,
  dims: 4,
  weights: Array.from({ length: 4 * 3 * 4 * 4 }, (_, i) => Math.round(Math.sin(i + 1) * 100) / 1000),
  bias: [0.1, -0.2, 0.3, 0],
  mean: [0.5, 0.4, 0.3],
  std: [0.5, 0.25, 0.2],
});

/**
 * A DINOv2-shaped feature extractor: a stride-4 patch convolution gives the patch tokens; the "CLS"
 * token is their element-wise max; `pooler_output` is twice that max. 8×8 input, 4 patches, D = 4.
 */
export function tinyEmbedder(): ModelFiles {
  const { dims: D, patch: P, size } = EMBEDDER;
  const graph: onnxProto.onnx.IGraphProto = {
    name: 'tiny-dinov2',
    node: [
      {
        opType: 'Conv',
        input: ['pixel_values', 'W', 'B'],
        output: ['conv'],
        attribute: [
          { name: 'kernel_shape', type: INTS, ints: [P, P] },
          { name: 'strides', type: INTS, ints: [P, P] },
        ],
      },
      { opType: 'Reshape', input: ['conv', 'shape'], output: ['flat'] },
      {
        opType: 'Transpose',
        input: ['flat'],
        output: ['patches'],
        attribute: [{ name: 'perm', type: INTS, ints: [0, 2, 1] }],
      },
      {
        opType: 'ReduceMax',
        input: ['patches'],
        output: ['cls'],
        attribute: [
          { name: 'axes', type: INTS, ints: [1] },
          { name: 'keepdims', type: INT, i: 1 },
        ],
      },
      {
        opType: 'Concat',
        input: ['cls', 'patches'],
        output: ['last_hidden_state'],
        attribute: [{ name: 'axis', type: INT, i: 1 }],
      },
      {
        opType: 'ReduceMax',
        input: ['patches'],
        output: ['max'],
        attribute: [
          { name: 'axes', type: INTS, ints: [1] },
          { name: 'keepdims', type: INT, i: 0 },
        ],
      },
      { opType: 'Mul', input: ['max', 'two'], output: ['pooler_output'] },
    ],
    initializer: [
      { name: 'W', dims: [D, 3, P, P], dataType: FLOAT, floatData: [...EMBEDDER.weights] },
      { name: 'B', dims: [D], dataType: FLOAT, floatData: [...EMBEDDER.bias] },
      { name: 'shape', dims: [3], dataType: onnx.TensorProto.DataType.INT64, int64Data: [0, D, -1] },
      { name: 'two', dims: [], dataType: FLOAT, floatData: [2] },
    ],
    input: [io('pixel_values', ['batch', 3, 'height', 'width'])],
    output: [io('last_hidden_state', ['batch', 'tokens', D]), io('pooler_output', ['batch', D])],
  };
  return {
    'config.json': json({
      model_type: 'dinov2',
      architectures: ['Dinov2Model'],
      hidden_size: D,
      patch_size: P,
    }),
    'preprocessor_config.json': json({
      image_processor_type: 'BitImageProcessor',
      do_resize: true,
      size: { height: size, width: size },
      resample: 2,
      do_center_crop: false,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: EMBEDDER.mean,
      image_std: EMBEDDER.std,
      do_convert_rgb: true,
    }),
    'onnx/model.onnx': encode(graph),
  };
}

/** The tiny detector's queries: logits = mean(pixel_values) · A + L, boxes = B (cx, cy, w, h). */
export const DETECTOR = Object.freeze({
  labels: ['cone', 'barrier'],
  a: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  l: [3, 0, 0, 0, 2, 0, 0, 0, 4],
  boxes: [0.5, 0.5, 0.2, 0.4, 0.25, 0.25, 0.1, 0.1, 0.5, 0.5, 1, 1],
});

/** A DETR-shaped detector for 20×10 inputs (no resampling, so the mean is exact): 3 queries over 2 classes plus "no object", logits shifted by the image mean. */
export function tinyDetector(): ModelFiles {
  const Q = 3;
  const C = DETECTOR.labels.length + 1;
  const graph: onnxProto.onnx.IGraphProto = {
    name: 'tiny-detr',
    node: [
      {
        opType: 'ReduceMean',
        input: ['pixel_values'],
        output: ['m4'],
        attribute: [
          { name: 'axes', type: INTS, ints: [1, 2, 3] },
          { name: 'keepdims', type: INT, i: 1 },
        ],
      },
      { opType: 'Reshape', input: ['m4', 'shape'], output: ['m'] },
      { opType: 'Mul', input: ['m', 'A'], output: ['ma'] },
      { opType: 'Add', input: ['ma', 'L'], output: ['logits'] },
      { opType: 'Mul', input: ['m', 'zero'], output: ['m0'] },
      { opType: 'Add', input: ['m0', 'boxes'], output: ['pred_boxes'] },
    ],
    initializer: [
      { name: 'shape', dims: [3], dataType: onnx.TensorProto.DataType.INT64, int64Data: [-1, 1, 1] },
      { name: 'A', dims: [Q, C], dataType: FLOAT, floatData: [...DETECTOR.a] },
      { name: 'L', dims: [Q, C], dataType: FLOAT, floatData: [...DETECTOR.l] },
      { name: 'zero', dims: [], dataType: FLOAT, floatData: [0] },
      { name: 'boxes', dims: [Q, 4], dataType: FLOAT, floatData: [...DETECTOR.boxes] },
    ],
    input: [io('pixel_values', ['batch', 3, 'height', 'width'])],
    output: [io('logits', ['batch', Q, C]), io('pred_boxes', ['batch', Q, 4])],
  };
  return {
    'config.json': json({
      model_type: 'detr',
      architectures: ['DetrForObjectDetection'],
      id2label: Object.fromEntries(DETECTOR.labels.map((l, i) => [String(i), l])),
      label2id: Object.fromEntries(DETECTOR.labels.map((l, i) => [l, i])),
    }),
    'preprocessor_config.json': json({
      image_processor_type: 'DetrImageProcessor',
      do_resize: true,
      size: { height: 10, width: 20 },
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      do_pad: false,
    }),
    'onnx/model.onnx': encode(graph),
  };
}
