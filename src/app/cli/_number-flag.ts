/** Numeric command-line flags: one parser, one wording for a bad value, checked before any work. */
import { RoadworkError } from '../../core/errors/index.js';

/**
 * What a numeric flag accepts. Bounds are inclusive (`min`, `max`) or exclusive (`above`, `below`);
 * give at most one of each side. No bound: any finite number.
 */
export interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  readonly above?: number;
  readonly below?: number;
  /** Whole numbers only (`1e3` is one; `2.5` is not). Default false. */
  readonly integer?: boolean;
  /** A valid value the error suggests, e.g. `0.05`. Default: one taken from the bounds. */
  readonly example?: string;
}

// A plain decimal: a sign, digits with an optional fraction, an optional exponent. Number() would also
// read '' and '  ' as 0, '0x10' as 16, '0b11' and '0o7' in their bases and 'Infinity': none of them is
// what a person means by a count or a share, so none of them passes.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * The flag's value as a number, or ERR_CONFIG_INVALID naming the flag, the value, the bounds and an
 * example. Surrounding whitespace is ignored; `-0` reads as 0; a number (a default) is taken as is.
 */
export function numberFlag(raw: unknown, flag: string, rule: NumberRule = {}): number {
  const n = parse(raw);
  if (n === undefined || !accepts(n, rule)) throw invalid(`${flag} is`, raw, flag, rule, rule.example);
  return n;
}

/** A flag that counts things (`--limit`, `--n`): a whole number ≥ 1. `example` defaults to 20. */
export function countFlag(raw: unknown, flag: string, options: { example?: string } = {}): number {
  return numberFlag(raw, flag, { min: 1, integer: true, example: options.example ?? '20' });
}

/**
 * A comma-separated list (`--l2 0.01,0.1`): every item as `numberFlag` reads it, blank items refused.
 * `count` fixes the list's length; `example` is a whole list.
 */
export function numberListFlag(
  raw: unknown,
  flag: string,
  rule: NumberRule & { readonly count?: number } = {},
): number[] {
  const items = String(raw).split(',');
  const example =
    rule.example ??
    Array(rule.count ?? 1)
      .fill(exampleOf(rule))
      .join(',');
  if (rule.count !== undefined && items.length !== rule.count)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `${flag} needs ${rule.count} comma-separated values: "${String(raw)}". Give e.g. ${flag} ${example}.`,
    );
  return items.map((item) => {
    const n = parse(item);
    if (n === undefined || !accepts(n, rule))
      throw invalid(`${flag} has a value that is`, item, flag, rule, example);
    return n;
  });
}

function parse(raw: unknown): number | undefined {
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && DECIMAL.test(raw.trim()) ? Number(raw) : NaN;
  // + 0 turns -0 into 0, which is what a person who typed '-0' for a bound of 0 meant.
  return Number.isFinite(n) ? n + 0 : undefined;
}

function accepts(n: number, { min, max, above, below, integer }: NumberRule): boolean {
  return (
    !(n < (min ?? -Infinity) || n > (max ?? Infinity)) &&
    !(above !== undefined && n <= above) &&
    !(below !== undefined && n >= below) &&
    (integer !== true || Number.isInteger(n))
  );
}

function invalid(
  subject: string,
  raw: unknown,
  flag: string,
  rule: NumberRule,
  example = exampleOf(rule),
): RoadworkError {
  const range = rangeOf(rule);
  const what = `${rule.integer === true ? 'a whole number' : 'a number'}${range === '' ? '' : ` ${range}`}`;
  // A positional argument (`<id>`) is given bare, not after its name.
  const give = flag.startsWith('-') ? `${flag} ${example}` : example;
  return new RoadworkError(
    'ERR_CONFIG_INVALID',
    `${subject} not ${what}: "${String(raw)}". Give e.g. ${give}.`,
  );
}

/** `from 0 to 1`, `of at least 1`, `greater than 0 and less than 0.5`, or '' without bounds. */
function rangeOf({ min, max, above, below }: NumberRule): string {
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  const low = min !== undefined ? `at least ${min}` : above !== undefined ? `greater than ${above}` : '';
  const high = max !== undefined ? `at most ${max}` : below !== undefined ? `less than ${below}` : '';
  const both = low !== '' && high !== '' ? `${low} and ${high}` : low || high;
  return both.startsWith('at ') ? `of ${both}` : both;
}

/** For a rule without an example: the smallest whole number it takes, the largest, or its middle. */
function exampleOf(rule: NumberRule): string {
  const { min, max, above, below } = rule;
  const low = min !== undefined ? Math.ceil(min) : above !== undefined ? Math.floor(above) + 1 : 1;
  const high = max !== undefined ? Math.floor(max) : below !== undefined ? Math.ceil(below) - 1 : low;
  const middle = ((min ?? above ?? high) + (max ?? below ?? low)) / 2;
  return String([low, high].find((n) => accepts(n, rule)) ?? middle);
}
