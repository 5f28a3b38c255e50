/**
 * Publishing a registry version: the Hugging Face repository (model_card.json, README, the bundle with
 * checksums) uploaded through the Hub's commit API, the record of it (the model's age), and NATIX's
 * optional off-chain registration.
 */
export { modelCardJson, readmeCard, type CardInput, type GateRecord, type ModelCardJson } from './_card.js';
export { stageRepo, type StagedFile, type StagedRepo } from './_stage.js';
export { repoFrom, uploadRepo, type HubTarget, type UploadResult } from './_upload.js';
export { lastPublication, listPublications, recordPublication, type Publication } from './_records.js';
export { AGE_WARNING_DAYS, MODEL_VALID_DAYS, judgeAge, modelAgeDays, type AgeVerdict } from './_age.js';
export { NATIX_URL, registerWithNatix, type RegisterOptions, type Registration } from './_natix.js';
