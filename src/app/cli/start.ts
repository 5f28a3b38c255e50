/** `roadwork start` (`npm start`): local mode — a miner and a local validator scoring it, live. */
import { join } from 'node:path';
import { Command } from 'commander';
import { buildMiner } from '../miner/index.js';
import { expandHome } from '../../core/files/index.js';
import { createLogger } from '../../core/log/index.js';
import {
  ScoreReport,
  freePort,
  prepareLocalNetwork,
  runLocalValidator,
} from '../../validation/eval/local/index.js';
import { evalPlan } from '../../validation/eval/index.js';
import { createDendrite } from '../../wire/protocol/index.js';
import { synthSource } from '../../data/procedural/index.js';
import { SkippedImages, describeSkip, openImageFolder } from '../../data/sources/index.js';
import { createRng } from '../../core/random/index.js';
import { planName } from '../../validation/validator/index.js';
import { countFlag, numberFlag } from './_number-flag.js';
import { addProtocolOptions, protocolFrom } from './_protocol-flags.js';
import { addSettingOptions, settingsFrom } from './_settings.js';

/** Builds the `start` command. */
export function startCommand(env: Record<string, string | undefined>): Command {
  const command = new Command('start')
    .description(
      'Local mode: run the miner and a local validator that sends it signed challenges, printing the score',
    )
    .option('--count <n>', 'stop after this many challenges (default: until Ctrl-C)')
    .option('--data <dir>', 'labelled images (pos/ and neg/, or manifest.csv) instead of synthetic scenes')
    .option('--synthetic <n>', 'size of the synthetic scene pool', '200')
    .option('--seed <seed>', 'seed of the challenge sequence', 'local')
    .option('--concurrency <n>', 'simultaneous validator requests', '1')
    .option('--interval-ms <ms>', 'pause between challenges per lane', '0')
    .option('--strict', 'fail at the first unreadable image instead of skipping it with a warning');
  addProtocolOptions(command);
  // Local mode makes its own wallets, metagraph and loopback axon: only the model's settings apply.
  addSettingOptions(
    command,
    ['model.', 'cascade.', 'models.', 'cache.', 'limits.', 'nonces.', 'metrics.', 'data_dir', 'log.level'],
    LOCAL_DEFAULTS,
  );
  return command.action(async (opts: Record<string, unknown>) => {
    const count = opts.count === undefined ? undefined : countFlag(opts.count, '--count', { example: '100' });
    const concurrency = countFlag(opts.concurrency, '--concurrency', { example: '4' });
    const base = settingsFrom(opts, env, LOCAL_DEFAULTS);
    const dataDir = expandHome(base.data_dir);
    const port = await freePort();
    // The local metagraph is of the subnet the settings name (NETUID from a miner.env included), so
    // the miner finds itself in it.
    const network = await prepareLocalNetwork(dataDir, { ip: '127.0.0.1', port }, base.netuid);
    // The local axon and metagraph are given as flags, so an operator's AXON_PORT or METAGRAPH_FILE
    // in the environment cannot point local mode at the real miner's.
    const local = { 'axon.host': '127.0.0.1', 'axon.port': port, 'metagraph.file': network.metagraphFile };
    const settings = settingsFrom(
      { ...opts, ...local },
      env,
      // All lanes sign as the one local validator from one address: its per-caller shares and the
      // per-address connection cap must hold every lane.
      {
        ...LOCAL_DEFAULTS,
        'limits.max_per_caller': Math.max(8, concurrency),
        'limits.max_connections_per_address': Math.max(64, 2 * concurrency),
        // One caller: its share of the body bytes is the whole budget (limits.max_body_bytes_in_flight).
        'limits.max_body_bytes_per_caller': 16 * 2 ** 30,
      },
      () => {}, // the first read said it already
    );
    // Checked before the miner starts, not after its run.
    const intervalMs = numberFlag(opts.intervalMs, '--interval-ms', {
      min: 0,
      integer: true,
      example: '500',
    });
    const logger = createLogger({ level: settings['log.level'] });
    const miner = await buildMiner(settings, logger, { signer: network.miner });
    const source =
      typeof opts.data === 'string'
        ? await openImageFolder(opts.data)
        : synthSource(countFlag(opts.synthetic, '--synthetic', { example: '200' }));
    const skips = new SkippedImages({
      strict: opts.strict === true,
      onSkip: (skip) =>
        process.stderr.write(`${process.stdout.isTTY ? '\n' : ''}warning: ${describeSkip(skip)}; skipped\n`),
    });
    const plan = evalPlan(source, { ...(await protocolFrom(opts)), skips });
    const address = await miner.start();
    const out = process.stdout;
    out.write(
      [
        '',
        'roadwork-miner — local mode',
        `  miner      ${network.miner.ss58}  http://${address.address}:${address.port}/ImageSynapse`,
        `  validator  ${network.validator.ss58}  (local wallets in ${join(dataDir, 'wallets')})`,
        `  model      ${miner.predictor.status().modelVersion ?? 'unknown'}  (${settings['model.path'] || settings['cascade.config'] || 'starter cascade, models/starter'})`,
        `  challenges ${planName(plan)}, protocol ${plan.protocol} (${plan.protocol === '0.4' ? 'source-size JPEGs, real/synthetic/api thirds' : 'validator augmentations'}), seed ${String(opts.seed)}`,
        `  metrics    http://${address.address}:${address.port}/metrics`,
        '',
        'Scoring as validators do: MCC over the last 100, accuracy over the last 10, reward (0.5·mcc + 0.5·acc)^3.',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const report = new ScoreReport();
    const tty = out.isTTY === true;
    const ticker = setInterval(
      () => out.write(tty ? `\r${report.line()}` : `${report.line()}\n`),
      tty ? 500 : 5000,
    );
    const dendrites = Array.from({ length: concurrency }, () =>
      createDendrite({ signer: network.validator }),
    );
    try {
      await runLocalValidator({
        target: { ip: address.address, port: address.port, hotkey: network.miner.ss58 },
        dendrites,
        plan,
        rng: createRng(String(opts.seed)),
        count,
        intervalMs,
        signal: abort.signal,
        onAnswer: (answer) => report.add(answer),
      });
    } finally {
      clearInterval(ticker);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      for (const d of dendrites) d.close();
      await miner.stop();
      out.write(`${tty ? '\n' : ''}${report.summary()}`);
      if (skips.count > 0) out.write(`${skips.summary()} (--strict fails on them instead)\n`);
      logger.flush();
    }
  });
}

/** Local mode's own defaults: a quiet miner log under the score line. */
const LOCAL_DEFAULTS = Object.freeze({ 'log.level': 'warn' });
