/** Value parsers for settings: each turns a raw string/JSON value into a typed one or says why not. */
import { RoadworkError } from '../errors/index.js';
import { isOneName } from '../files/index.js';

/**
 * A parser returns the typed value or throws `ERR_CONFIG_INVALID` whose message says what is expected
 * (`loadConfig` puts the key, the source and the value in front of it).
 */
export type Parse<T> = (raw: unknown) => T;

/** One setting: its parser, default, environment names, doc line, and whether it is secret. */
export interface SettingSpec<T> {
  readonly parse: Parse<T>;
  readonly default: T;
  /** Environment variable names, first wins (the reference miner's `miner.env` names included). */
  readonly env: readonly string[];
  readonly doc: string;
  readonly secret?: boolean;
  /** What a secret setting prints as when only part of it is secret; default `[redacted]`. */
  readonly redact?: (value: T) => unknown;
  /** A folder or file: `~` is expanded and a relative path made absolute when read, default included. */
  readonly path?: boolean;
}

function expected(what: string): never {
  throw new RoadworkError('ERR_CONFIG_INVALID', what);
}

/** Defines a setting (a helper so the schema infers each value's type). */
export function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return Object.freeze(spec);
}

/** An integer in [min, max]. */
export function int(min: number, max: number): Parse<number> {
  return (raw) => {
    const n =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) expected(`an integer from ${min} to ${max}`);
    return n;
  };
}

/** A finite number in [min, max]. */
export function num(min: number, max: number): Parse<number> {
  return (raw) => {
    const n =
      typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n) || n < min || n > max) expected(`a number from ${min} to ${max}`);
    return n;
  };
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** A boolean; accepts true/false, 1/0, yes/no, on/off in any case (Python writes `True`). */
export const bool: Parse<boolean> = (raw) => {
  if (typeof raw === 'boolean') return raw;
  const s = String(raw).trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return expected('true or false');
};

/** A string, optionally limited to a set of values. */
export function str(values?: readonly string[]): Parse<string> {
  return (raw) => {
    if (typeof raw !== 'string' && typeof raw !== 'number') expected('a string');
    const s = String(raw).trim();
    if (values && !values.includes(s)) expected(`one of: ${values.join(', ')}`);
    return s;
  };
}

/** One file or folder name: not empty, no `/` or `\\`, not `.` or `..` (it cannot leave its folder). */
export function fileName(): Parse<string> {
  const text = str();
  return (raw) => {
    const s = text(raw);
    if (!isOneName(s)) expected('one file or folder name (not empty, no / or \\, not . or ..)');
    return s;
  };
}

/** Empty, or a URL whose scheme is one of `schemes` (e.g. `postgres:` for a database URL). */
export function emptyOrUrl(schemes: readonly string[]): Parse<string> {
  const text = str();
  return (raw) => {
    const s = text(raw);
    if (s === '') return s;
    if (!schemes.some((x) => s.toLowerCase().startsWith(`${x}//`)) || !URL.canParse(s))
      expected(`empty or a URL starting ${schemes.map((x) => `${x}//`).join(' or ')}`);
    return s;
  };
}

/**
 * A list of strings: an array (a config file's list), a string holding a JSON array (for items with
 * commas, such as a JSON argument, from the environment or the command line), or a comma-separated string.
 */
export const list: Parse<readonly string[]> = (raw) => {
  const items = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw.trimStart().startsWith('[')
        ? jsonArray(raw)
        : raw.split(',')
      : undefined;
  if (!items || items.some((x) => typeof x !== 'string'))
    expected('a comma-separated list, or a JSON array of strings');
  return Object.freeze(items.map((x: string) => x.trim()).filter((x: string) => x !== ''));
};

function jsonArray(raw: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
