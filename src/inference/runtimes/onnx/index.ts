/** The `onnx` runtime: plain ONNX backbones as embedders and YOLO-style ONNX files as detectors. */
import type { Runtime } from '../types.js';
import { loadOnnxDetector, loadOnnxEmbedder } from './_models.js';

export { decodeYolo, type YoloDecodeOptions } from './_yolo.js';
export { iou } from '../_nms.js';

/** Embedders take NCHW float input and output `[N, D]` or `[N, T, D]` (pooled); detectors are YOLO v5/v8. */
export const onnxRuntime: Runtime = Object.freeze({
  name: 'onnx',
  description: 'ONNX files run by onnxruntime-node in worker threads (embedders, YOLO detectors)',
  embedder: loadOnnxEmbedder,
  detector: loadOnnxDetector,
});
