/** `roadwork ui`: the web app on its own, on the query log the settings name, its dashboard scraping the running miner. */
import { Command } from 'commander';
import { createLogger } from '../../core/log/index.js';
import { openQueryStore } from '../../lifecycle/querylog/index.js';
import { queryLogPlace } from '../miner/index.js';
import { UI_DEFAULT_PORT, checkUiBinding, metricsUrlFor, scrapeMetrics, webAppFor } from '../web/index.js';
import { addSettingOptions, settingsFrom, type SettingsUsed } from './_settings.js';
import { runUntilSignal } from './_lifecycle.js';

/** Where the query log is, the app's own settings, and how to reach the miner's /metrics. */
const UI_SETTINGS: SettingsUsed = Object.freeze([
  'data_dir',
  'store.url',
  'ui.',
  'axon.port',
  'metrics.token',
  'log.level',
]);

/** Builds the `ui` command. */
export function uiCommand(env: Record<string, string | undefined>): Command {
  const command = new Command('ui')
    .description(
      'The web app: gallery and one-key labelling of the query log, export, retrain through the gate, live dashboard',
    )
    .addHelpText(
      'after',
      `\nListens on ui.host:ui.port (127.0.0.1:${UI_DEFAULT_PORT} when ui.port is 0); any other host needs ui.token.\n` +
        'The dashboard scrapes the running miner (ui.metrics_url, default http://127.0.0.1:<axon.port>/metrics);\n' +
        'roadwork serve --ui.port N runs the same app inside the miner instead. See docs/ui.md.\n\nExamples:\n' +
        '  roadwork ui\n  UI_TOKEN=$(openssl rand -hex 16) roadwork ui --ui.host 0.0.0.0 --ui.port 8092',
    );
  addSettingOptions(command, UI_SETTINGS);
  return command.action(async (opts: Record<string, unknown>) => {
    const settings = settingsFrom(opts, env);
    checkUiBinding(settings['ui.host'], settings['ui.token']);
    const logger = createLogger({ level: settings['log.level'] });
    const store = await openQueryStore(queryLogPlace(settings));
    const app = webAppFor(settings, {
      store,
      metrics: scrapeMetrics(metricsUrlFor(settings), settings['metrics.token']),
      logger,
    });
    await runUntilSignal(
      logger,
      async () => {
        const port = settings['ui.port'] || UI_DEFAULT_PORT;
        const address = await app.listen(port, settings['ui.host']);
        process.stderr.write(`roadwork ui: http://${settings['ui.host']}:${address.port}/\n`);
      },
      async () => {
        await app.close();
        await store.close();
      },
    );
  });
}
