// Prompts in the validators' style: a caption of a real street image rewritten to add or remove roadwork.
import type { Rng } from '../validator/index.js';

const ROADWORK = Object.freeze([
  'orange traffic cones along the lane',
  'a road work ahead sign',
  'construction barriers closing one lane',
  'road workers in high-visibility vests',
  'an excavator digging at the roadside',
  'a detour sign and striped barricades',
  'fresh asphalt being laid by a paving machine',
]);

const SCENES = Object.freeze([
  'a city street with parked cars',
  'a two-lane highway through fields',
  'a suburban road lined with trees',
  'a busy intersection with traffic lights',
  'a residential street on a rainy day',
  'a motorway seen from a car dashboard',
]);

const STYLE = 'dashcam photo, realistic, daylight, high detail';
// Words the "remove roadwork" rewrite drops from a caption, as the validators' LLM rewrite does.
const ROADWORK_WORDS =
  /\b(road ?works?|construction|cones?|barriers?|barricades?|workers?|excavators?|detour|paving|closed lane|lane closure)\b/i;

/** A text-to-image prompt and what to steer away from. */
export interface PromptPair {
  readonly prompt: string;
  readonly negativePrompt: string;
}

/** A caption to start from when no real image was captioned: a plain street scene. */
export function randomCaption(rng: Rng): string {
  return SCENES[Math.floor(rng.next() * SCENES.length)]!;
}

/**
 * Rewrites `caption` for `label`: 1 adds one or two roadwork elements; 0 drops clauses that mention
 * roadwork and asks for a clear road. Both steer the other way in the negative prompt.
 */
export function roadworkPrompt(caption: string, label: 0 | 1, rng: Rng): PromptPair {
  const base = caption.trim().replace(/[.\s]+$/, '');
  if (label === 1) {
    const first = Math.floor(rng.next() * ROADWORK.length);
    const second = (first + 1 + Math.floor(rng.next() * (ROADWORK.length - 1))) % ROADWORK.length;
    const extra = rng.next() < 0.5 ? [ROADWORK[first]!] : [ROADWORK[first]!, ROADWORK[second]!];
    return {
      prompt: `${base}, with ${extra.join(' and ')}, ${STYLE}`,
      negativePrompt: 'cartoon, drawing, text, watermark',
    };
  }
  const kept = base
    .split(/,|\bwith\b|\band\b/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !ROADWORK_WORDS.test(s));
  const clean = kept.length > 0 ? kept.join(', ') : 'a street';
  return {
    prompt: `${clean}, clear road with no construction, ${STYLE}`,
    negativePrompt:
      'traffic cones, construction, road work signs, barriers, workers, cartoon, text, watermark',
  };
}
