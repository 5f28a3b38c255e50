// Reads untyped config while remembering where each value sits, so every error names its path.
import { isAbsolute, resolve } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import type { ConfigReader } from './types.js';

/** Told of every local file a config names: where it sits in the config, and the file it resolved to. */
export type FileListener = (path: string, file: string) => void;

/** A reader over `value`, reporting paths like `stages[1].detectors[0].model` in `source`. */
export function configReader(
  value: unknown,
  options: { source: string; baseDir: string; path?: string; onFile?: FileListener },
): ConfigReader {
  return new Reader(value, options.path ?? '', options.source, options.baseDir, options.onFile);
}

class Reader implements ConfigReader {
  readonly value: unknown;
  readonly path: string;
  readonly #source: string;
  readonly #baseDir: string;
  readonly #onFile: FileListener | undefined;

  constructor(value: unknown, path: string, source: string, baseDir: string, onFile?: FileListener) {
    this.value = value;
    this.path = path;
    this.#source = source;
    this.#baseDir = baseDir;
    this.#onFile = onFile;
  }

  at(key: string | number): ConfigReader {
    const child = typeof key === 'number' ? `${this.path}[${key}]` : this.path ? `${this.path}.${key}` : key;
    const raw = typeof key === 'number' ? (this.value as unknown[] | undefined)?.[key] : this.#object()[key];
    return new Reader(raw, child, this.#source, this.#baseDir, this.#onFile);
  }

  has(key: string): boolean {
    return this.#object()[key] !== undefined;
  }

  string(key: string, fallback?: string): string {
    const v = this.#get(key, fallback);
    if (typeof v !== 'string' || v === '')
      this.at(key).fail(`must be a non-empty string: ${JSON.stringify(v)}`);
    return v as string;
  }

  number(key: string, fallback?: number, range: { min?: number; max?: number } = {}): number {
    const v = this.#get(key, fallback);
    const min = range.min ?? -Infinity;
    const max = range.max ?? Infinity;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      this.at(key).fail(`must be a number in [${min}, ${max}]: ${JSON.stringify(v)}`);
    }
    return v as number;
  }

  boolean(key: string, fallback?: boolean): boolean {
    const v = this.#get(key, fallback);
    if (typeof v !== 'boolean') this.at(key).fail(`must be true or false: ${JSON.stringify(v)}`);
    return v as boolean;
  }

  file(key: string | number): string {
    // A number reads an entry of this list, as `head[1]`.
    const raw = typeof key === 'number' ? this.at(key).value : this.string(key);
    if (typeof raw !== 'string' || raw === '')
      this.at(key).fail(`must be a non-empty string: ${JSON.stringify(raw)}`);
    const v = raw as string;
    // Hub ids, URLs and builtins are not files: only things that look like paths are resolved.
    if (/^(https?:|builtin:)/.test(v)) return v;
    if (!isAbsolute(v) && !v.startsWith('.') && !/\.[a-z0-9]+$/i.test(v) && v.split('/').length === 2)
      return v;
    const file = resolve(this.#baseDir, v);
    this.#onFile?.(this.at(key).path, file);
    return file;
  }

  list(key: string): ConfigReader[] {
    const v = this.#object()[key];
    if (!Array.isArray(v)) this.at(key).fail(`must be a list: ${JSON.stringify(v)}`);
    return (v as unknown[]).map((_, i) => this.at(key).at(i));
  }

  only(known: readonly string[]): void {
    for (const key of Object.keys(this.#object())) {
      if (!known.includes(key)) this.at(key).fail(`is not a known key; valid keys are ${known.join(', ')}`);
    }
  }

  fail(message: string): never {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Cascade config ${this.path || '(root)'} ${message}; fix ${this.#source}.`,
    );
  }

  #object(): Record<string, unknown> {
    if (this.value === null || typeof this.value !== 'object' || Array.isArray(this.value)) {
      this.fail(`must be a mapping: ${JSON.stringify(this.value)}`);
    }
    return this.value as Record<string, unknown>;
  }

  #get(key: string, fallback: unknown): unknown {
    const v = this.#object()[key];
    if (v !== undefined) return v;
    if (fallback === undefined) this.at(key).fail('is required');
    return fallback;
  }
}
