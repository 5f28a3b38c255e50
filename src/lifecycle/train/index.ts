/**
 * Training and calibration of classifier heads on frozen-backbone embeddings of validator-style
 * augmented views: embedding cache, grouped cross-validation, temperature, decision shift, exits.
 */
export { openEmbeddingCache, type EmbeddingCache } from './_cache.js';
export {
  planExtraViews,
  planScoredViews,
  planStyleViews,
  planViews,
  renderView,
  viewKey,
  type ViewLevel,
  type ViewSpec,
} from './_views.js';
export { groupFolds, groupHoldout } from './_split.js';
export { narrowHead } from './_final-head.js';
export {
  fitLogistic,
  fitMlp,
  foldNormalization,
  logits,
  matrixOf,
  type ColumnL2,
  type Matrix,
  type Labelled,
} from './_fit.js';
export { kernelLayer } from './_mlp-kernel.js';
export {
  blockedHiddenLayer,
  logisticObjective,
  mlpObjective,
  rowwiseLogisticObjective,
  rowwiseMlpObjective,
  type HiddenLayer,
  type LogisticProblem,
  type MlpProblem,
} from './_dense-loss.js';
export type { Objective } from './_optim.js';
export {
  TEMPERATURE_RANGE,
  atTemperatureBound,
  fitTemperature,
  decisionShift,
  thresholdSweep,
  chooseExits,
  nll,
  type SweepRow,
} from './_calibrate.js';
export { mcc, auc, scores, expectedReward, bootstrapByGroup, type Estimate } from './_metrics.js';
export { groupFamily, requireBothLabels, splitGroups, type ViewRow } from './_dataset.js';
export type { ConvConfig, EvalReport, SyntheticRows, SyntheticSummary, TrainConfig } from './_pipeline.js';
export { fitConv, type ConvFitOptions, type ConvInit } from './_conv.js';
export { fitTrees, type TreesOptions, type TreesShape } from './_trees.js';
export { crossCalibrate, crossValidate, fitHead, inProcessFits, type FitRunner } from './_pipeline.js';
export { defaultFitWorkers, openFitPool, type FitPool } from './_fits.js';
export { syntheticSource } from './_synthetic.js';
export { STYLE_KINDS, parseStyleKinds, styleTransform, type StyleKind } from './_style.js';
export { GROUP_NAMESPACE_SEPARATOR, folderNamespaces, openTrainingFolders } from './_sources.js';
export {
  FAMILY_RULES,
  familyRule,
  styleRoom,
  type CameraKind,
  type CameraUnit,
  type FamilyRule,
} from './_families.js';
export {
  bootstrapUnit,
  cameraUnit,
  meanOverPairs,
  proxyCrossValidate,
  proxyProtocol,
  proxyReport,
  type ProxyHeadline,
  type ProxyReport,
  type SelectBy,
} from './_proxy.js';
export {
  calibrateHead,
  type CalibrateOptions,
  type CalibrateResult,
  type RiskOptions,
} from './_recalibrate.js';
export {
  RISK_HIGHS,
  binomialCdf,
  clopperPearsonUpper,
  logGamma,
  riskControlledExits,
  type RiskControlOptions,
  type RiskControlledExits,
  type RiskRow,
} from './_conformal.js';
export {
  BUNDLE_HEAD_FILE,
  bundleMetrics,
  dataFingerprint,
  trainedCascadeConfig,
  writeTrainedBundle,
  type DataFingerprint,
  type TrainedBundleOptions,
  type TrainedCascadeOptions,
} from './_bundle.js';
export {
  baseBundleParts,
  planBaseCascade,
  type BaseBundleParts,
  type BasePlan,
  type TrainedServing,
} from './_base-cascade.js';
export { embeddedRows, type EmbeddedRows, type EmbeddingOptions } from './_rows.js';
export { trainHead, writeHead, type TrainHeadOptions, type TrainResult } from './_train-head.js';
export { meanOfLogits, type EnsembleResult } from './_ensemble.js';
export { PREDICTION_COLUMNS, predictionsCsv } from './_predictions.js';
export {
  type DrawPredictions,
  drawsText,
  type OutOfFold,
  type Predictions,
  type ViewSet,
} from './_protocols.js';
export { proxyTable, repeatsTable, reportTable, sweepTable, table } from './_report.js';
export {
  drawSeeds,
  pairRepeats,
  spread,
  spreadText,
  type PairedDifference,
  type PairedRepeats,
  type RepeatReport,
  type RepeatedSlice,
  type Spread,
} from './_repeats.js';
