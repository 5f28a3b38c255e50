// Finds roadwork keywords in OCR text: the lines of one sign read together, normalised, fuzzy within
// an edit-distance bound, any language.
import { signBlocks, type BoxedText } from './_blocks.js';
import { ROADWORK_KEYWORDS, type Keyword } from './_keywords.js';
import { editDistance, infixDistance, normalizeText } from './_normalize.js';

export { signBlocks, type BoxedText } from './_blocks.js';
export { ROADWORK_KEYWORDS, type Keyword } from './_keywords.js';
export { editDistance, infixDistance, normalizeText } from './_normalize.js';

/** One keyword found on one sign. */
export interface KeywordMatch {
  readonly keyword: string;
  readonly language: string;
  /** The sign it was found on: its lines as given, in reading order, joined by spaces. */
  readonly sign: string;
  /** Edit distance between the keyword and the matched words (spaces ignored). */
  readonly distance: number;
}

/** Options for `matchKeywords`. */
export interface MatchOptions {
  /** Allowed edits per keyword character (spaces ignored), rounded down. Default 0.2. */
  readonly maxErrorRate?: number;
  /** Keywords this short or shorter must match exactly. Default 3. */
  readonly exactUpTo?: number;
  /**
   * Keywords with at least this many letters also match inside words that OCR ran together
   * ("THISROADWILLBE CLOSED"); shorter ones only as whole words ("OBRAS" is not in "COBRAS"). Default 8.
   */
  readonly infixFrom?: number;
}

/**
 * Keywords found in the lines, at most one match per keyword (the closest). Lines with boxes are
 * first grouped into signs (`signBlocks`: OCR reads "ROAD" and "CLOSED" on two lines of one sign as
 * two lines). Words are compared across token windows with spaces removed, since OCR both splits
 * ("ROA D") and merges ("ROADWORK"); long keywords also inside merged words (`infixFrom`).
 */
export function matchKeywords(
  lines: readonly (string | BoxedText)[],
  keywords: readonly (string | Keyword)[] = ROADWORK_KEYWORDS,
  options: MatchOptions = {},
): KeywordMatch[] {
  const rate = options.maxErrorRate ?? 0.2;
  const exactUpTo = options.exactUpTo ?? 3;
  const infixFrom = options.infixFrom ?? 8;
  const tokenized = signBlocks(lines).map((text) => {
    const tokens = normalizeText(text).split(' ').filter(Boolean);
    return { text, tokens, joined: tokens.join('') };
  });
  const matches: KeywordMatch[] = [];
  for (const entry of keywords) {
    const keyword = typeof entry === 'string' ? { text: entry, language: 'custom' } : entry;
    const target = normalizeText(keyword.text).replaceAll(' ', '');
    if (target.length === 0) continue;
    const words = normalizeText(keyword.text).split(' ').length;
    const bound = target.length <= exactUpTo ? 0 : Math.floor(target.length * rate);
    let best: KeywordMatch | undefined;
    for (const { text, tokens, joined } of tokenized) {
      const window = closestWindow(tokens, target, words + 1);
      const distance = target.length >= infixFrom ? Math.min(window, infixDistance(joined, target)) : window;
      if (distance <= bound && (best === undefined || distance < best.distance)) {
        best = { keyword: keyword.text, language: keyword.language, sign: text, distance };
      }
    }
    if (best !== undefined) matches.push(best);
  }
  return matches;
}

/** Signs holding at least one of the matches: fuzzy variants of one sign's wording count once. */
export function countSigns(matches: readonly KeywordMatch[]): number {
  return new Set(matches.map((m) => m.sign)).size;
}

function closestWindow(tokens: readonly string[], target: string, maxWords: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let start = 0; start < tokens.length; start++) {
    let joined = '';
    for (let end = start; end < Math.min(tokens.length, start + maxWords); end++) {
      joined += tokens[end];
      // Past this length no window from here can come within any sane bound.
      if (joined.length > target.length * 2 + 2) break;
      best = Math.min(best, editDistance(joined, target));
    }
  }
  return best;
}
