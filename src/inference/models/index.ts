/** ONNX models: graphs built in code, the baseline roadwork model, and the onnxruntime-node session. */
export { buildLinearImageModel, type LinearImageModelOptions } from './_linear.js';
export {
  BASELINE_FEATURE_COUNT,
  BASELINE_NORMALIZATION,
  buildBaselineFeatureModel,
  buildBaselineModel,
  type BaselineWeights,
} from './_baseline.js';
export { readModelMetadata } from './_onnx.js';
export {
  ONNXRUNTIME_SPINNING_DEFAULT,
  createOnnxSession,
  ortSessionOptions,
  type Device,
  type OnnxSession,
  type OnnxSessionOptions,
} from './_session.js';
