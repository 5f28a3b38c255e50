/** Adds a command's settings as `--<key>` flags, and reads them back with the environment and files. */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { SCHEMA, loadConfig, parseEnvFile, type SettingKey, type Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';

const KEYS = Object.keys(SCHEMA) as SettingKey[];

/**
 * The settings a command uses: keys (`'netuid'`), prefixes ending in a dot (`'wallet.'`), or `'*'` for
 * every one (the miner itself, `config`).
 */
export type SettingsUsed = readonly string[];

/** What the model commands (`models`, the registry) read: where state lives and how models load. */
export const MODEL_SETTINGS: SettingsUsed = Object.freeze([
  'data_dir',
  'model.',
  'models.',
  'cascade.',
  'log.level',
]);

/** The setting keys `uses` selects, in schema order; throws on a selector that matches none (a typo). */
export function settingKeys(uses: SettingsUsed): SettingKey[] {
  for (const sel of uses) {
    if (sel !== '*' && !KEYS.some((k) => matches(k, sel))) {
      throw new RoadworkError(
        'ERR_INTERNAL',
        `No setting matches ${JSON.stringify(sel)}; settings are the keys of src/core/config/schema.ts`,
      );
    }
  }
  return KEYS.filter((k) => uses.some((sel) => matches(k, sel)));
}

function matches(key: string, sel: string): boolean {
  return sel === '*' || key === sel || (sel.endsWith('.') && key.startsWith(sel));
}

/**
 * Registers `--config`, `--env-from` (alias `--env-file`) and a flag for each setting the command uses (with its environment
 * names in the help), so `--help` shows only what the command reads. Other settings still come from the
 * environment and the files, and are validated with the rest; `roadwork config --help` lists them all.
 */
export function addSettingOptions(
  command: Command,
  uses: SettingsUsed = ['*'],
  defaults: Partial<Record<SettingKey, unknown>> = {},
): Command {
  command.addOption(new Option('--config <file>', 'settings file (JSON or YAML; nested or dotted keys)'));
  command.addOption(
    new Option('--env-from <file>', "read environment names from a file (the reference miner's miner.env)"),
  );
  // The same, under the name Node 20 itself takes from anywhere on the command line (it loads the
  // file with its own parser, whose values then win as the real environment, or exits 9 when the file
  // is missing): kept for old scripts, hidden so new ones use --env-from.
  command.addOption(new Option('--env-file <file>', 'the same as --env-from').hideHelp());
  for (const key of settingKeys(uses)) {
    const spec = SCHEMA[key];
    const isBool = typeof spec.default === 'boolean';
    const env = spec.env.length ? ` [env: ${spec.env.join(', ')}]` : '';
    // The command's own default (local mode's, train's) where it replaces the schema's.
    const value = defaults[key] ?? spec.default;
    const shownDefault = Array.isArray(value) ? value.join(',') : String(value);
    command.addOption(
      new Option(
        `--${key} ${isBool ? '[bool]' : '<value>'}`,
        `${spec.doc}${env} (default: ${shownDefault || '""'})`,
      ).hideHelp(key.startsWith('limits.') || key.startsWith('nonces.')),
    );
  }
  return command;
}

/**
 * Resolves the settings from the command's flags, the environment and the files it names. Warnings
 * (a removed setting's environment name, an older version's `./.data`) go to `warn`, by default
 * stderr as `warning: …` lines; a command that resolves twice passes a no-op the second time.
 */
export function settingsFrom(
  opts: Record<string, unknown>,
  env: Record<string, string | undefined>,
  defaults?: Partial<Record<SettingKey, unknown>>,
  warn: (message: string) => void = (message) => process.stderr.write(`warning: ${message}\n`),
): Settings {
  const flags: Record<string, unknown> = {};
  for (const key of Object.keys(SCHEMA)) if (opts[key] !== undefined) flags[key] = opts[key];
  let merged = env;
  const envFile = opts.envFrom ?? opts.envFile;
  if (typeof envFile === 'string') {
    let text: string;
    try {
      text = readFileSync(envFile, 'utf8');
    } catch (err) {
      throw new RoadworkError('ERR_CONFIG_FILE', `Cannot read env file: ${envFile}; check the path`, {
        cause: err,
      });
    }
    try {
      // The real environment wins over the file, as with `set -a; source miner.env` followed by overrides.
      merged = { ...parseEnvFile(text, { env }), ...env };
    } catch (err) {
      throw new RoadworkError(
        'ERR_CONFIG_FILE',
        `Cannot parse env file ${envFile}: ${(err as Error).message}`,
      );
    }
  }
  return loadConfig({
    flags,
    env: merged,
    file: typeof opts.config === 'string' ? opts.config : undefined,
    defaults,
    onWarning: warn,
  });
}
