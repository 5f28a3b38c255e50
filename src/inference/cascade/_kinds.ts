// The frozen registry of stage kinds: the cascade is a list in the config, not a chain of ifs.
import { RoadworkError } from '../../core/errors/index.js';
import { backboneHeadKind } from './_kind-backbone-head.js';
import { classifierKind } from './_kind-classifier.js';
import { detectorKind } from './_kind-detector.js';
import { ocrKind } from './_kind-ocr.js';
import { vlmKind } from './_kind-vlm.js';
import type { StageKind } from './types.js';

/** Every stage kind, by the name a config uses. */
export const STAGE_KINDS: Readonly<Record<string, StageKind<never>>> = Object.freeze({
  classifier: classifierKind as StageKind<never>,
  'backbone-head': backboneHeadKind as StageKind<never>,
  detector: detectorKind as StageKind<never>,
  vlm: vlmKind as StageKind<never>,
  ocr: ocrKind as StageKind<never>,
});

/** The kind named `name`, or ERR_CONFIG_INVALID listing the valid kinds. */
export function getStageKind(
  name: string,
  kinds: Readonly<Record<string, StageKind<never>>> = STAGE_KINDS,
): StageKind<never> {
  const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined;
  if (kind === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Unknown stage kind: "${name}"; valid kinds are ${Object.keys(kinds).join(', ')}.`,
    );
  }
  return kind;
}
