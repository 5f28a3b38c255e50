/**
 * Model bundles and the registry: a trained model is a folder with a checksummed manifest; the
 * registry (in the store) records versions and production, gated by a fixed challenge set.
 */
export {
  CASCADE_FILE,
  MANIFEST_FILE,
  bundleId,
  createBundle,
  verifyBundle,
  type BundleFile,
  type BundleManifest,
  type CreateBundleOptions,
} from './_bundle.js';
export {
  cascadeFileOf,
  getVersion,
  listVersions,
  productionHistory,
  productionVersion,
  registerBundle,
  rollbackProduction,
  type ModelVersion,
  type RegistryDeps,
} from './_registry.js';
export {
  GATE_SET_DIR,
  challengeEvaluator,
  openGateSet,
  promoteVersion,
  type BundleEvaluator,
  type ChallengeEvaluatorOptions,
  type GateScore,
  type GateSet,
  type PromoteOptions,
  type PromotionResult,
} from './_gate.js';
export { diffVersions, type DiffEntry, type VersionDiff } from './_diff.js';
export { ensureProduction, headline, type EnsureProductionOptions } from './_starter.js';
export { currentCanary, startCanary, stopCanary, type Canary } from './_canary.js';
