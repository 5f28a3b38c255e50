/** The local validator's core: seeded randomness, the validators' augmentations, challenges and scoring. */
export { createRng, type Rng } from './_rng.js';
export {
  augmentImage,
  centreSquare,
  drawLevel,
  randomSquareCrop,
  type AugmentLevel,
  type AugmentOptions,
  type AugmentParams,
  type AugmentResult,
} from './augment.js';
export {
  DISTORTION_PARAMETERS,
  applyDistortion,
  blur,
  colourContrast,
  colourNoise,
  colourSaturation,
  jpegStyle,
  type DistortionName,
} from './_distortions.js';
export { flipHorizontal, flipVertical, rotate, type Box, type RotateInterpolation } from './_pixels.js';
export { JPEG_OPTIONS, decodeRgb, encodeJpeg } from './_codec.js';
export {
  createChallenge,
  drawChallenge,
  planChallenges,
  planName,
  type Challenge,
  type ChallengePlan,
  type PlanOptions,
} from './challenge.js';
export { DEFAULT_PROTOCOL, PROTOCOLS, parseProtocol, type ValidatorProtocol } from './_protocol.js';
export {
  CHALLENGE_ORIGINS,
  challengePools,
  type ChallengeOrigin,
  type ChallengePools,
} from './_source-size.js';
export { folderLayout, noLabelledData, type FolderLayout } from './_layout.js';
export {
  SkippedImages,
  decodeLabelled,
  describeSkip,
  drawReadable,
  openImageFolder,
  type ImageSkip,
  type LabelledImage,
  type LabelledImageSource,
  type SkippedImagesOptions,
} from './sources.js';
export {
  findParquetFiles,
  isConsistentRow,
  openParquetSource,
  type ParquetImageSource,
  type ParquetSourceOptions,
} from './parquet.js';
export {
  CHALLENGE_MANIFEST,
  isChallengeSet,
  openChallengeSet,
  writeChallengeSet,
  type ChallengeSet,
  type ChallengeSetEntry,
  type ChallengeSetHeader,
  type WriteChallengeSetOptions,
} from './challenge-set.js';
export {
  SCORING,
  ScoreBoard,
  rewardFor,
  roundHalfEven,
  windowMetrics,
  type ScoreBoardOptions,
  type ScoreUpdate,
  type ScoredAnswer,
  type WindowMetrics,
} from './score.js';
export {
  ChallengeSequence,
  runChallenges,
  type ChallengeResult,
  type ChallengeStream,
  type Lane,
  type LaneAnswer,
  type RunChallengesOptions,
} from './run.js';
