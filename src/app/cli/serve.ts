/** `roadwork serve`: the miner's axon on the settings' wallet, metagraph and model. */
import { Command } from 'commander';
import { redactSettings } from '../../core/config/index.js';
import { createLogger, routeConsole } from '../../core/log/index.js';
import { addSettingOptions, settingsFrom } from './_settings.js';
import { runUntilSignal } from './_lifecycle.js';

/** Builds the `serve` command. */
export function serveCommand(env: Record<string, string | undefined>): Command {
  const command = new Command('serve')
    .description('Serve the ImageSynapse axon to validators (live metagraph unless --metagraph.file is set)')
    .addHelpText(
      'after',
      '\nExamples:\n  roadwork serve --wallet.name miner --wallet.hotkey default --axon.port 8091\n  roadwork serve --env-from miner.env\n  roadwork serve --metagraph.file metagraph.json --axon.host 127.0.0.1',
    );
  addSettingOptions(command, ['*']);
  return command.action(async (opts: Record<string, unknown>) => {
    // Warnings about the settings wait for the logger they configure, so the log stays JSON.
    const warnings: string[] = [];
    const settings = settingsFrom(opts, env, undefined, (message) => warnings.push(message));
    const logger = createLogger({ level: settings['log.level'] });
    // polkadot-js and the model runtimes print to the console; the log stays one JSON object a line.
    routeConsole(logger);
    logger.info({ settings: redactSettings(settings) }, 'Settings');
    for (const message of warnings) logger.warn(message);
    // Imported here, not at the top: the model runtimes take seconds to load, and `--help` needs none.
    const { buildMiner } = await import('../miner/index.js');
    const miner = await buildMiner(settings, logger);
    await runUntilSignal(
      logger,
      () => miner.start(),
      () => miner.stop(),
    );
  });
}
