/** The subnet's rules as the local validator applies them: the validators' augmentations, challenges, scoring and the run loop. */
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
export { flipHorizontal, flipVertical, rotate, type RotateInterpolation } from './_pixels.js';
export {
  createChallenge,
  drawChallenge,
  planChallenges,
  planName,
  type Challenge,
  type ChallengePlan,
  type PlanOptions,
} from './challenge.js';
export {
  CHALLENGE_ORIGINS,
  challengePools,
  type ChallengeOrigin,
  type ChallengePools,
} from './_source-size.js';
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
