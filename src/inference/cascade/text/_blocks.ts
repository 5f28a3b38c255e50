// Sign blocks: OCR finds each printed line of a sign as its own box ("ROAD" above "CLOSED"), so the
// lines of one sign are read together before keywords are matched.

/** A line of text, with its box `[x1, y1, x2, y2]` in image pixels when the reader gives one. */
export interface BoxedText {
  readonly text: string;
  readonly box?: readonly [number, number, number, number];
}

type Box = readonly [number, number, number, number];

// Two lines of one sign: letters of about the same height (a sign's big and small print differ by
// at most this ratio), and either stacked (overlapping columns, at most one letter height apart) or
// on one row (overlapping rows, at most one letter height between them).
const MAX_HEIGHT_RATIO = 2.5;
const MAX_GAP_HEIGHTS = 1;
const MIN_OVERLAP = 0.5;

/**
 * Groups lines into signs and returns each sign's text in reading order (top to bottom, then left
 * to right), one string per sign. A line without a box, or with an empty one, is a sign of its own.
 */
export function signBlocks(lines: readonly (string | BoxedText)[]): string[] {
  const items = lines.map((line) => (typeof line === 'string' ? { text: line } : line));
  const parent = items.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const a = items[i]!.box;
      const b = items[j]!.box;
      if (a !== undefined && b !== undefined && sameSign(a, b)) parent[root(j)] = root(i);
    }
  }
  const groups = new Map<number, number[]>();
  items.forEach((_, i) => {
    const members = groups.get(root(i)) ?? [];
    members.push(i);
    groups.set(root(i), members);
  });
  return [...groups.values()].map((members) =>
    members
      .sort((i, j) => readingOrder(items[i]!.box, items[j]!.box) || i - j)
      .map((i) => items[i]!.text)
      .join(' '),
  );
}

function sameSign(a: Box, b: Box): boolean {
  const ha = a[3] - a[1];
  const hb = b[3] - b[1];
  const low = Math.min(ha, hb);
  const high = Math.max(ha, hb);
  if (low <= 0 || a[2] <= a[0] || b[2] <= b[0] || high / low > MAX_HEIGHT_RATIO) return false;
  const gap = MAX_GAP_HEIGHTS * high;
  const columns = overlap(a[0], a[2], b[0], b[2]);
  const rows = overlap(a[1], a[3], b[1], b[3]);
  const stacked = columns >= MIN_OVERLAP * Math.min(a[2] - a[0], b[2] - b[0]) && -rows <= gap;
  const inRow = rows >= MIN_OVERLAP * low && -columns <= gap;
  return stacked || inRow;
}

/** Length of the intersection of two intervals; negative: the gap between them. */
function overlap(a1: number, a2: number, b1: number, b2: number): number {
  return Math.min(a2, b2) - Math.max(a1, b1);
}

function readingOrder(a: Box | undefined, b: Box | undefined): number {
  if (a === undefined || b === undefined) return 0;
  const sameRow = overlap(a[1], a[3], b[1], b[3]) >= MIN_OVERLAP * Math.min(a[3] - a[1], b[3] - b[1]);
  return sameRow ? a[0] - b[0] : a[1] - b[1];
}
