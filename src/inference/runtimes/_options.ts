// Reads a runtime's `ModelRef.options` once, at load: each key through its reader, unknown keys and bad
// values failing with the runtime, the key, the value and what to use instead.
import { RoadworkError } from '../../core/errors/index.js';

/** Checks one option's value and returns it (possibly normalised); throws `badOption(expected)` if bad. */
export type OptionReader = (key: string, value: unknown) => unknown;

class BadOption extends Error {
  constructor(readonly expected: string) {
    super(expected);
  }
}

/** What a reader throws for a bad value: `expected` says what to use ("an integer from 1 to 10"). */
export function badOption(expected: string): Error {
  return new BadOption(expected);
}

/** A non-empty string. */
export const stringOption: OptionReader = (_key, v) => {
  if (typeof v === 'string' && v.length > 0) return v;
  throw badOption('a non-empty string');
};

/** A number from `min` to `max`, an integer when `integer`. */
export function numberOption(min: number, max: number, integer = false): OptionReader {
  return (_key, v) => {
    if (typeof v === 'number' && v >= min && v <= max && (!integer || Number.isInteger(v))) return v;
    throw badOption(`${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
  };
}

/**
 * The given options read by `readers` (absent keys stay absent); ERR_CONFIG_INVALID naming the valid
 * keys for an unknown one, and the key, value and `expected` for a bad value.
 */
export function readOptions(
  runtime: string,
  given: Readonly<Record<string, unknown>> | undefined,
  readers: Readonly<Record<string, OptionReader>>,
): Record<string, unknown> {
  const read: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given ?? {})) {
    const reader = readers[key];
    if (reader === undefined) {
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Unknown option of the ${runtime} runtime: ${key}; valid options are ${Object.keys(readers).join(', ')}.`,
      );
    }
    if (value === undefined) continue;
    try {
      read[key] = reader(key, value);
    } catch (err) {
      if (!(err instanceof BadOption)) throw err;
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Option ${key} of the ${runtime} runtime is invalid: ${JSON.stringify(value)}; use ${err.expected}.`,
      );
    }
  }
  return read;
}
