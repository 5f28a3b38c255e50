/** `roadwork eval`: the local validator as a product — score any axon, or a model offline, and report. */
export { evaluateAxon, evaluateOffline, type OfflineEvalOptions, type OnlineEvalOptions } from './_modes.js';
export {
  DEFAULT_MAX_UNREACHABLE,
  evalPlan,
  evalProblem,
  runEval,
  toRecord,
  type EvalDescription,
  type EvalResult,
  type EvalRunOptions,
} from './_run.js';
export { VALIDATOR_TIMEOUT_S, dendriteLane, predictorLane } from './_lanes.js';
export {
  latencySummary,
  metricBlock,
  sliceRows,
  summariseRecords,
  type CalibrationBin,
  type EvalRecord,
  type EvalSummary,
  type LatencySummary,
  type MetricBlock,
  type Refusal,
  type StageSummary,
} from './_summary.js';
export { renderHtmlReport, type EvalMeta, type EvalReport } from './_html.js';
export { esc, rankedBarsSvg } from './_svg.js';
export { Progress, liveLine, summaryTable, type OutputStream, type ProgressOptions } from './_terminal.js';
export {
  DEFAULT_SYNTH_IMAGES,
  defaultSyntheticPool,
  isChallengeSetSource,
  openEvalData,
  openImageData,
  type EvalSource,
} from './_data.js';
export { parseAxonTarget, probeAxon } from './_target.js';
export { validatorSigners, type ValidatorKeys } from './_signers.js';
