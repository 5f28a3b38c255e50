/**
 * Datasets: labelled image folders and NATIX parquet ingested into the store as content-addressed
 * versions, after checks (unreadable, tiny, duplicate and near-duplicate images, label conflicts).
 */
export {
  addDataset,
  datasetVersionId,
  exportDataset,
  getDataset,
  imageFile,
  listDatasets,
  type AddDatasetOptions,
  type DataDeps,
  type DataReport,
  type DatasetImage,
  type DatasetSummary,
} from './_datasets.js';
export {
  CHECK_DEFAULTS,
  checkCandidates,
  type Candidate,
  type CheckOptions,
  type CheckResult,
  type RejectReason,
} from './_checks.js';
export { inspectImage, type ImageFacts } from './_inspect.js';
export { openDataSource } from './_source.js';
export { formatReport } from './_report.js';
