/**
 * The `onnx` runtime, the one ONNX stack: plain ONNX backbones as embedders, YOLO-style files as
 * detectors and one-probability models as classifiers, each in a worker pool of onnxruntime-node
 * sessions; the session and the preprocessing are shared with the runtimes that run ONNX files inside
 * their own workers (ppocr, tfjs's ONNX engine).
 */
import type { Runtime } from '../types.js';
import { loadOnnxClassifier, loadOnnxDetector, loadOnnxEmbedder } from './_models.js';

export { decodeYolo, type YoloDecodeOptions } from './_yolo.js';
export { iou } from '../_nms.js';
export { readGraphFacts, type GraphFacts } from './_graph.js';
export { createOrtWorkerPool, openOrtSession } from './_ort.js';
export { poolEmbeddings, probabilityOf } from './_outputs.js';
export { IMAGENET_NORMALIZATION, toModelInput, type Normalization } from './_preprocess.js';
export {
  ONNXRUNTIME_SPINNING_DEFAULT,
  createOnnxSession,
  ortSessionOptions,
  type Device,
  type OnnxSession,
  type OnnxSessionOptions,
} from './_session.js';

/**
 * Embedders take NCHW float input and output `[N, D]` or `[N, T, D]` (pooled); detectors are YOLO
 * v5/v8; classifiers output one probability per image.
 */
export const onnxRuntime: Runtime = Object.freeze<Runtime>({
  name: 'onnx',
  description:
    'ONNX files run by onnxruntime-node in worker threads (embedders, YOLO detectors, p(roadwork) classifiers)',
  embedder: loadOnnxEmbedder,
  detector: loadOnnxDetector,
  classifier: loadOnnxClassifier,
  // Embedders and classifiers resize the whole frame to the model's square input (`toModelInput`).
  squashes: (capability) => capability === 'embedder' || capability === 'classifier',
});
