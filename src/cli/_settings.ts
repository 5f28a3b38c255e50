/** Adds every setting of the schema to a command as a `--<key>` flag, and reads them back. */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { SCHEMA, loadConfig, parseEnvFile, type SettingKey, type Settings } from '../config/index.js';
import { RoadworkError } from '../errors/index.js';

/** Registers `--config`, `--env-file` and one flag per setting (with its env names in the help). */
export function addSettingOptions(command: Command): Command {
  command.addOption(new Option('--config <file>', 'settings file (JSON or YAML; nested or dotted keys)'));
  command.addOption(
    new Option('--env-file <file>', "read environment names from a file (the reference miner's miner.env)"),
  );
  for (const [key, spec] of Object.entries(SCHEMA)) {
    const isBool = typeof spec.default === 'boolean';
    const env = spec.env.length ? ` [env: ${spec.env.join(', ')}]` : '';
    const shownDefault = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
    command.addOption(
      new Option(
        `--${key} ${isBool ? '[bool]' : '<value>'}`,
        `${spec.doc}${env} (default: ${shownDefault || '""'})`,
      ).hideHelp(key.startsWith('limits.') || key.startsWith('nonces.')),
    );
  }
  return command;
}

/** Resolves the settings from the command's flags, the environment and the files it names. */
export function settingsFrom(
  opts: Record<string, unknown>,
  env: Record<string, string | undefined>,
  defaults?: Partial<Record<SettingKey, unknown>>,
): Settings {
  const flags: Record<string, unknown> = {};
  for (const key of Object.keys(SCHEMA)) if (opts[key] !== undefined) flags[key] = opts[key];
  let merged = env;
  if (typeof opts.envFile === 'string') {
    let text: string;
    try {
      text = readFileSync(opts.envFile, 'utf8');
    } catch (err) {
      throw new RoadworkError('ERR_CONFIG_FILE', `Cannot read env file: ${opts.envFile}; check the path`, {
        cause: err,
      });
    }
    try {
      // The real environment wins over the file, as with `set -a; source miner.env` followed by overrides.
      merged = { ...parseEnvFile(text), ...env };
    } catch (err) {
      throw new RoadworkError(
        'ERR_CONFIG_FILE',
        `Cannot parse env file ${opts.envFile}: ${(err as Error).message}`,
      );
    }
  }
  return loadConfig({
    flags,
    env: merged,
    file: typeof opts.config === 'string' ? opts.config : undefined,
    defaults,
  });
}
