// Prompts in the validators' style: a caption of a real street image rewritten to add or remove roadwork.
import type { Rng } from '../../core/random/index.js';
import type { ValidatorProtocol } from '../../wire/protocol/index.js';

/**
 * Protocol 0.4's subtle positives (`prompt_generator.py` since 2026-04-10): exactly one small
 * element, so a model must find a single cone, not a work zone.
 */
const ONE_SMALL_ELEMENT = Object.freeze([
  'a single orange traffic cone at the edge of the lane',
  'one road worker in a safety vest beside the road',
  'a parked construction vehicle on the shoulder',
  'a temporary roadwork sign on the sidewalk',
  'a small striped barrier near the curb',
]);

/** 0.4 prompts are one sentence under 40 words. */
const MAX_WORDS = 39;

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

const NEGATIVE_FOR_ROADWORK = 'cartoon, drawing, text, watermark';
const NEGATIVE_FOR_CLEAR_ROAD =
  'traffic cones, construction, road work signs, barriers, workers, cartoon, text, watermark';

/** The caption without the clauses that mention roadwork (what the validators' LLM rewrite drops). */
function withoutRoadwork(base: string): string {
  const kept = base
    .split(/,|\bwith\b|\band\b/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !ROADWORK_WORDS.test(s));
  return kept.length > 0 ? kept.join(', ') : 'a street';
}

/** One sentence of at most `MAX_WORDS` words: the caption is shortened, never the element. */
function sentence(lead: string, caption: string, tail: string): string {
  const fixed = `${lead} ${tail}`.split(/\s+/).length;
  const words = caption.split(/\s+/).slice(0, Math.max(3, MAX_WORDS - fixed));
  return `${lead} ${words.join(' ')}${tail.startsWith(',') ? '' : ' '}${tail}`;
}

/**
 * Rewrites `caption` for `label` in the style of `protocol`'s validators (default 0.4):
 * - 0.4: one sentence under 40 words; 1 adds exactly one small element (one cone, one worker, a
 *   parked construction vehicle, a temporary sign, a small barrier); 0 rewrites the caption as a
 *   normal road scene;
 * - 2.0.4: 1 adds one or two conspicuous roadwork elements; 0 drops clauses that mention roadwork
 *   and asks for a clear road.
 * Both steer the other way in the negative prompt.
 */
export function roadworkPrompt(
  caption: string,
  label: 0 | 1,
  rng: Rng,
  protocol: ValidatorProtocol = '0.4',
): PromptPair {
  const base = caption.trim().replace(/[.\s]+$/, '');
  if (protocol === '0.4') {
    if (label === 1) {
      const element = ONE_SMALL_ELEMENT[Math.floor(rng.next() * ONE_SMALL_ELEMENT.length)]!;
      return {
        prompt: sentence('A realistic dashcam photo of', base, `, with ${element}.`),
        negativePrompt: `${NEGATIVE_FOR_ROADWORK}, many cones, work zone`,
      };
    }
    return {
      prompt: sentence('A realistic dashcam photo of', withoutRoadwork(base), ', a normal road scene.'),
      negativePrompt: NEGATIVE_FOR_CLEAR_ROAD,
    };
  }
  if (label === 1) {
    const first = Math.floor(rng.next() * ROADWORK.length);
    const second = (first + 1 + Math.floor(rng.next() * (ROADWORK.length - 1))) % ROADWORK.length;
    const extra = rng.next() < 0.5 ? [ROADWORK[first]!] : [ROADWORK[first]!, ROADWORK[second]!];
    return {
      prompt: `${base}, with ${extra.join(' and ')}, ${STYLE}`,
      negativePrompt: NEGATIVE_FOR_ROADWORK,
    };
  }
  return {
    prompt: `${withoutRoadwork(base)}, clear road with no construction, ${STYLE}`,
    negativePrompt: NEGATIVE_FOR_CLEAR_ROAD,
  };
}
