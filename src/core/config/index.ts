/**
 * Settings are read once: defaults < config file < environment < flags, validated against one schema,
 * then frozen. Nothing else in the project reads `process.env`.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RoadworkError } from '../errors/index.js';
import { legacyDataDirWarning } from './_legacy-data.js';
import type { SettingSpec } from './_types.js';
import { REMOVED_SETTINGS, SCHEMA, type SettingKey, type Settings } from './schema.js';

export { REMOVED_SETTINGS, SCHEMA, type SettingKey, type Settings } from './schema.js';
export { childEnvironment, settingsEnvironment } from './_child-env.js';
export { parseEnvFile, type EnvFileOptions } from './_env-file.js';
export type { HotkeyEntry } from './_hotkeys.js';

/** Where settings come from; every part is optional. */
export interface ConfigSources {
  /** Values from flags, keyed by setting key (strings as typed, or `true` for a bare boolean flag). */
  readonly flags?: Readonly<Record<string, unknown>>;
  /** The process environment (the CLI passes `process.env`; tests pass a plain object). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A config file (JSON or YAML; nested objects or dotted keys). */
  readonly file?: string;
  /** Values that replace the schema defaults (e.g. local mode's). */
  readonly defaults?: Partial<Record<SettingKey, unknown>>;
  /** What `~` means in path settings; default the user's home directory. */
  readonly home?: string;
  /** What relative path settings are taken from; default the current directory. */
  readonly cwd?: string;
  /**
   * Receives what is accepted but worth saying: an environment name of a removed setting, state of an
   * older version in `./.data` while `data_dir` is the default. Without it nothing is checked.
   */
  readonly onWarning?: (message: string) => void;
}

const KEYS = Object.keys(SCHEMA) as SettingKey[];

/** Reads, merges, validates and freezes the settings; throws a coded error naming key, value and fix. */
export function loadConfig(sources: ConfigSources = {}): Settings {
  const fromFile = sources.file ? readConfigFile(sources.file) : {};
  const env = sources.env ?? {};
  const out: Record<string, unknown> = {};
  const paths = { home: sources.home ?? homedir(), cwd: sources.cwd ?? process.cwd() };
  let dataDirOrigin = '';
  for (const key of KEYS) {
    const spec = SCHEMA[key];
    const envName = spec.env.find((name) => env[name] !== undefined && env[name] !== '');
    const [raw, origin] =
      sources.flags?.[key] !== undefined
        ? [sources.flags[key], `flag --${key}`]
        : envName !== undefined
          ? [env[envName], `environment ${envName}`]
          : fromFile[key] !== undefined
            ? [fromFile[key], `config file key ${key}`]
            : sources.defaults?.[key] !== undefined
              ? [sources.defaults[key], `default of ${key}`]
              : [undefined, ''];
    if (key === 'data_dir') dataDirOrigin = origin;
    if (raw === undefined) {
      out[key] = spec.path ? absolutePath(spec.default as string, paths) : spec.default;
      continue;
    }
    try {
      const value = (spec.parse as (raw: unknown) => unknown)(raw);
      out[key] = spec.path ? absolutePath(value as string, paths) : value;
    } catch (err) {
      const shown = spec.secret ? '[redacted]' : JSON.stringify(redactUrl(raw));
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Invalid setting ${key} (from ${origin}): ${shown}; expected ${(err as Error).message}`,
      );
    }
  }
  if (sources.onWarning) {
    for (const [key, removed] of Object.entries(REMOVED_SETTINGS)) {
      const name = removed.env.find((n) => env[n] !== undefined && env[n] !== '');
      if (name !== undefined)
        sources.onWarning(`${name} (setting ${key}) is not read by this miner: ${removed.instead}`);
    }
    const legacy = legacyDataDirWarning(out.data_dir as string, dataDirOrigin === '', paths.cwd);
    if (legacy !== undefined) sources.onWarning(legacy);
  }
  return Object.freeze(out) as Settings;
}

/** `~` expanded, a relative path taken from `cwd`; empty stays empty (it means "the default place"). */
function absolutePath(value: string, paths: { home: string; cwd: string }): string {
  if (value === '') return value;
  const expanded =
    value === '~' ? paths.home : value.startsWith('~/') ? join(paths.home, value.slice(2)) : value;
  return resolve(paths.cwd, expanded);
}

/** Settings safe to log or print: secrets replaced, and passwords inside URLs (`redis://:pw@host`) masked. */
export function redactSettings(settings: Settings): Record<string, unknown> {
  return Object.fromEntries(KEYS.map((k) => [k, redactOne(k, settings[k])]));
}

function redactOne(key: SettingKey, value: unknown): unknown {
  const spec = SCHEMA[key] as SettingSpec<unknown>;
  if (!spec.secret || value === '') return redactUrl(value);
  return spec.redact ? spec.redact(value) : '[redacted]';
}

// Any setting may be a URL with credentials (Redis, PostgreSQL, a VLM server): mask the password.
function redactUrl(value: unknown): unknown {
  if (typeof value !== 'string' || !value.includes('@') || !value.includes('://')) return value;
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = 'redacted';
    return url.toString();
  } catch {
    return value;
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RoadworkError('ERR_CONFIG_FILE', `Cannot read config file: ${file}; check the path`, {
      cause: err,
    });
  }
  let data: unknown;
  try {
    const ext = extname(file).toLowerCase();
    data = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new RoadworkError(
      'ERR_CONFIG_FILE',
      `Cannot parse config file ${file}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new RoadworkError('ERR_CONFIG_FILE', `Config file must hold an object of settings: ${file}`);
  }
  const flat = flatten(data as Record<string, unknown>);
  for (const key of Object.keys(flat)) {
    const removed = REMOVED_SETTINGS[key];
    if (removed !== undefined) {
      throw new RoadworkError(
        'ERR_CONFIG_UNKNOWN_KEY',
        `Removed setting in ${file}: ${key} was never read and is no longer accepted; ${removed.instead}. Delete the line.`,
      );
    }
    if (!(key in SCHEMA)) {
      throw new RoadworkError(
        'ERR_CONFIG_UNKNOWN_KEY',
        `Unknown setting in ${file}: ${key}; valid settings are listed by \`roadwork config --help\`${suggest(key)}`,
      );
    }
  }
  return flat;
}

/** Turns `{axon: {port: 1}}` into `{'axon.port': 1}`; arrays stay values. */
function flatten(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(key in SCHEMA)) {
      Object.assign(out, flatten(v as Record<string, unknown>, key));
    } else out[key] = v;
  }
  return out;
}

function suggest(key: string): string {
  const tail = key.split('.').pop() ?? key;
  const near = KEYS.filter((k) => k.endsWith(tail) || k.includes(tail));
  return near.length ? ` (did you mean ${near.join(', ')}?)` : '';
}
