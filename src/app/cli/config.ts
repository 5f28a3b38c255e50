/** `roadwork config`: prints the resolved settings (secrets redacted) and where each name comes from. */
import { Command } from 'commander';
import { SCHEMA, redactSettings } from '../../core/config/index.js';
import { addSettingOptions, settingsFrom } from './_settings.js';

/** Builds the `config` command. */
export function configCommand(env: Record<string, string | undefined>): Command {
  const command = new Command('config')
    .description('Validate and print the resolved settings (flags > environment > config file > defaults)')
    .option('--json', 'print JSON');
  addSettingOptions(command, ['*']);
  return command.action((opts: Record<string, unknown>) => {
    const shown = redactSettings(settingsFrom(opts, env));
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      return;
    }
    for (const [key, value] of Object.entries(shown)) {
      const spec = SCHEMA[key as keyof typeof SCHEMA];
      const envs = spec.env.length ? `  (env ${spec.env.join(' | ')})` : '';
      process.stdout.write(`${key.padEnd(34)} ${JSON.stringify(value)}${envs}\n`);
    }
  });
}
