/** Predictors: turn a decoded image into p(roadwork), with the heavy work in worker threads. */
export { createOnnxPredictor, type OnnxPredictorOptions } from './_onnx-predictor.js';
export { IMAGENET_NORMALIZATION, toModelInput, type Normalization } from './_preprocess.js';
export type * from './types.js';
