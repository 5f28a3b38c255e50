// Text normalisation for keyword matching: case, accents, punctuation and OCR digit/letter confusions.

// OCR on signs confuses these digits with letters; keywords hold no digits, so folding is safe.
const CONFUSIONS: Readonly<Record<string, string>> = {
  '0': 'O',
  '1': 'I',
  '5': 'S',
  '8': 'B',
  '|': 'I',
  $: 'S',
};

/** Upper case, accents stripped, OCR confusions folded, anything not a letter or digit turned into one space. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/ß/g, 'SS')
    .replace(/[0158|$]/g, (c) => CONFUSIONS[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Levenshtein distance (insertions, deletions, substitutions), over UTF-16 code units. */
export function editDistance(a: string, b: string): number {
  return a === b ? 0 : lastRow(a, b, false)[a.length]!;
}

/**
 * Fewest edits that turn some substring of `text` into `target` (approximate substring search):
 * "THISROADWILLBE CLOSED" holds "WILL BE CLOSED" with none, where OCR ran words together.
 */
export function infixDistance(text: string, target: string): number {
  return Math.min(...lastRow(text, target, true));
}

/**
 * The last row of the edit-distance table, rows over `target`, columns over `text`; `anywhere` lets
 * a match start at any column (the first row is all zeros), so its minimum is the infix distance.
 */
function lastRow(text: string, target: string, anywhere: boolean): number[] {
  let prev = Array.from({ length: text.length + 1 }, (_, j) => (anywhere ? 0 : j));
  let row = new Array<number>(text.length + 1);
  for (let i = 1; i <= target.length; i++) {
    row[0] = i;
    for (let j = 1; j <= text.length; j++) {
      const cost = target.charCodeAt(i - 1) === text.charCodeAt(j - 1) ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, row] = [row, prev];
  }
  return prev;
}
