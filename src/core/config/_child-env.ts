// The environment a child `roadwork` process starts with: this process's, with its settings pinned to
// the values this process settled on, wherever they came from (a flag, a --config file).
import { SCHEMA, type SettingKey, type Settings } from './schema.js';

/** This process's environment with each `pinned` name set to its value; an empty value removes it. */
export function childEnvironment(pinned: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(pinned)) {
    if (value === '') delete env[name];
    else env[name] = value;
  }
  return env;
}

/**
 * `settings` as the variables that give them (each setting's first environment name; its other names
 * empty, so an inherited one cannot win), for `childEnvironment`: a child `roadwork` then reads what
 * this process reads, whatever set it here. Lists go as JSON arrays, so an item may hold a comma; a
 * value no variable can carry (`miner.hotkeys` entries with their own secrets) is left to the child's
 * own sources. An empty value removes the variable, so the child takes the default.
 */
export function settingsEnvironment(settings: Settings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(SCHEMA) as SettingKey[]) {
    const value = asVariable(settings[key]);
    const [first, ...others] = SCHEMA[key].env;
    if (value === undefined || first === undefined) continue;
    for (const name of others) out[name] = '';
    out[first] = value;
  }
  return out;
}

function asVariable(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return JSON.stringify(value);
  return undefined;
}
