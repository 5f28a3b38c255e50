/**
 * The `roadwork-miner` package as a library: build and run a miner from settings, decode challenges
 * the way it does, run its cascade, and read its error catalogue. The wire protocol alone (verify,
 * sign, body hash) is `roadwork-miner/protocol`.
 */
export { buildMiner, loadSigner, type Miner, type MinerOverrides } from './app/miner/index.js';
export {
  loadConfig,
  redactSettings,
  SCHEMA,
  type ConfigSources,
  type SettingKey,
  type Settings,
} from './core/config/index.js';
export {
  createCascadePredictor,
  loadCascadeConfig,
  parseCascadeConfig,
  type CascadeConfig,
  type CascadePredictor,
} from './inference/cascade/index.js';
export {
  createImageDecoder,
  decodeBase64Image,
  decodeImage,
  DEFAULT_IMAGE_POLICY,
  parseImagePolicy,
  policyKey,
  type ImageDecoder,
  type ImagePolicy,
} from './inference/image/index.js';
export type { Prediction, Predictor } from './inference/cascade/types.js';
export type { RgbImage } from './inference/image/index.js';
export { ERRORS, RoadworkError, isRoadworkError, type ErrorCode } from './core/errors/index.js';
