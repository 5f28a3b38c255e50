// Finds roadwork keywords in OCR text: normalised, fuzzy within an edit-distance bound, any language.
import { ROADWORK_KEYWORDS, type Keyword } from './_keywords.js';
import { editDistance, normalizeText } from './_normalize.js';

export { ROADWORK_KEYWORDS, type Keyword } from './_keywords.js';
export { editDistance, normalizeText } from './_normalize.js';

/** One keyword found in one line. */
export interface KeywordMatch {
  readonly keyword: string;
  readonly language: string;
  /** The line it was found in, as given. */
  readonly line: string;
  /** Edit distance between the keyword and the matched words (spaces ignored). */
  readonly distance: number;
}

/** Options for `matchKeywords`. */
export interface MatchOptions {
  /** Allowed edits per keyword character (spaces ignored), rounded down. Default 0.2. */
  readonly maxErrorRate?: number;
  /** Keywords this short or shorter must match exactly. Default 3. */
  readonly exactUpTo?: number;
}

/**
 * Keywords found in the lines, at most one match per keyword (the closest). Words are compared
 * across token windows with spaces removed, since OCR both splits ("ROA D") and merges ("ROADWORK").
 */
export function matchKeywords(
  lines: readonly (string | { readonly text: string })[],
  keywords: readonly (string | Keyword)[] = ROADWORK_KEYWORDS,
  options: MatchOptions = {},
): KeywordMatch[] {
  const rate = options.maxErrorRate ?? 0.2;
  const exactUpTo = options.exactUpTo ?? 3;
  const tokenized = lines.map((line) => {
    const text = typeof line === 'string' ? line : line.text;
    return { text, tokens: normalizeText(text).split(' ').filter(Boolean) };
  });
  const matches: KeywordMatch[] = [];
  for (const entry of keywords) {
    const keyword = typeof entry === 'string' ? { text: entry, language: 'custom' } : entry;
    const target = normalizeText(keyword.text).replaceAll(' ', '');
    if (target.length === 0) continue;
    const words = normalizeText(keyword.text).split(' ').length;
    const bound = target.length <= exactUpTo ? 0 : Math.floor(target.length * rate);
    let best: KeywordMatch | undefined;
    for (const { text, tokens } of tokenized) {
      const distance = closestWindow(tokens, target, words + 1);
      if (distance <= bound && (best === undefined || distance < best.distance)) {
        best = { keyword: keyword.text, language: keyword.language, line: text, distance };
      }
    }
    if (best !== undefined) matches.push(best);
  }
  return matches;
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
