/**
 * The inference cascade: stages (classifier, backbone + head, detectors, VLM, OCR) from one config,
 * run in order under the request deadline with early exits, fused in log-odds into one p(roadwork).
 */
export {
  createCascadePredictor,
  type CascadeDeps,
  type CascadePredictor,
  type CascadeStageResult,
  type ResultCache,
} from './_predictor.js';
export {
  loadCascadeConfig,
  readCascadeFile,
  parseCascadeConfig,
  type CascadeConfig,
  type CascadeRoute,
  type ParseOptions,
  type StageSpec,
} from './_config.js';
export { DEFAULT_CASCADE_FILE, defaultCascadeConfig } from './default.js';
export { FUSIONS, logOddsFusion, type Fusion, type LogOddsOptions } from './fusion.js';
export { STAGE_KINDS, getStageKind } from './_kinds.js';
export { DEFAULT_OBJECT_CLASSES, ROADWORK_OBJECTS } from './_kind-detector.js';
export { DEFAULT_QUESTION } from './_kind-vlm.js';
export type { OcrStageConfig } from './_kind-ocr.js';
export type { BackboneHeadConfig } from './_kind-backbone-head.js';
export { buildViews, isViewName } from './_tta.js';
export { defineStage, type StageBody } from './_common.js';
export { switchingPredictor, type SwitchingPredictor } from './_switch.js';
export { canaryPredictor, hashShare, type CanaryArm, type CanaryOptions } from './_canary.js';
export type * from './types.js';
