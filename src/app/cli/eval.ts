/** `roadwork eval`: score an axon with signed challenges (or a model offline) and write JSON, JSONL and HTML. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { cascadeConfigFor, runtimeContextFor } from '../miner/index.js';
import { createCascadePredictor } from '../../inference/cascade/index.js';
import { systemClock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { checkWritableFile } from '../../core/files/index.js';
import { silentLogger } from '../../core/log/index.js';
import { SkippedImages, describeSkip } from '../../data/sources/index.js';
import { addProtocolOptions, protocolFrom } from './_protocol-flags.js';
import { labelRecorder } from './_eval-labels.js';
import { countFlag, numberFlag } from './_number-flag.js';
import { addSettingOptions, settingsFrom, type SettingsUsed } from './_settings.js';
import {
  evaluateAxon,
  evaluateOffline,
  evalProblem,
  openEvalData,
  summaryTable,
  validatorSigners,
  type EvalRunOptions,
  type OutputStream,
} from '../../validation/eval/index.js';

/** Where the command writes; tests pass their own. */
export interface EvalIo {
  readonly stdout?: OutputStream;
  readonly stderr?: OutputStream;
  /** Environment for offline mode's model settings (data_dir, cascade, cache folder, hub, device); default none. */
  readonly env?: Record<string, string | undefined>;
}

const HELP = `
Online:  roadwork eval --axon http://HOST:PORT --axon-hotkey SS58 --data DIR --n N --seed S \\
           [--wallet.name W --wallet.hotkey H | --validator-mnemonic "…"] [--concurrency C] \\
           --json OUT.json --records OUT.jsonl [--html OUT.html]
Load:    roadwork eval --axon … --axon-hotkey … --data synth --validators 10 --concurrency 4 --duration 60
Offline: roadwork eval --offline [--cascade.config CASCADE | --model.path MODEL.onnx] --data DIR --n N \
           --seed S --json OUT.json --records OUT.jsonl

--protocol 0.4 (the default, what upstream validators run since May 2026) sends each image JPEG-encoded
at quality 75 at its own size, without augmentation, drawn one third each from the real images, the
synthetic pool (--synthetic-data) and a held-out third of the real images' groups ("api"); 2.0.4
sends 224×224 JPEGs after the four augmentation levels. Reports break scores down by source (0.4) or
level (2.0.4).
--data takes a folder with pos/ and neg/ (or manifest.csv with file,label[,group]), NATIX parquet (a
.parquet file or a folder of them), a challenge set written by roadwork challenges (replayed as is,
with its own seed and protocol), or synth[:N].
Offline mode scores what serve would serve with the same settings: --cascade.config (a cascade config
or a bundle's, YAML/JSON), --model.path (a bare .onnx classifier), else the default cascade; like
every setting they also come from the environment (CASCADE_CONFIG, ROADWORK_MODEL) and the --config
settings file. --config names the settings file here as in every command; an older eval's
--config CASCADE still works, with a warning. With --validators K > 1 and a mnemonic,
validator k signs as MNEMONIC//k (k = 0…K-1); with a wallet, all validators share its hotkey.
See docs/eval.md.`;

/** Builds the `eval` command. */
export function evalCommand(io: EvalIo = {}): Command {
  const command = new Command('eval')
    .description('Score a miner as validators do (signed challenges, MCC, reward EMA) and write reports')
    .option('--axon <url>', 'the axon to evaluate, http://HOST:PORT')
    .option('--axon-hotkey <ss58>', "the miner's hotkey")
    .option('--offline', 'score a model in-process instead of over HTTP')
    .option('--data <dir>', 'images (pos/ neg/ or manifest.csv), parquet, a challenge set, or synth[:N]')
    .option('--n <n>', 'number of challenges')
    .option('--seed <seed>', 'seed of the challenge sequence', 'eval')
    .option('--wallet.path <dir>', 'wallets folder of the validator hotkey', '~/.bittensor/wallets')
    .option('--wallet.name <name>', 'wallet of the validator hotkey', 'default')
    .option('--wallet.hotkey <name>', 'validator hotkey name', 'default')
    .option(
      '--validator-mnemonic <secret>',
      'validator key as a mnemonic or secret URI (instead of a wallet)',
    )
    .option('--validators <k>', 'simulated validators', '1')
    .option('--concurrency <c>', 'simultaneous requests per validator (offline: worker threads)', '1')
    .option('--rate <r>', 'total requests per second (default: as fast as answered)')
    .option('--duration <s>', 'stop issuing challenges after this many seconds')
    .option('--timeout <s>', "the validator's timeout; later answers are -1", '9')
    .option('--json <file>', 'write the summary as JSON')
    .option('--records <file>', 'write one JSON line per challenge')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--strict', 'fail at the first unreadable image instead of skipping it with a warning');
  addSettingOptions(command, EVAL_SETTINGS);
  return addProtocolOptions(command)
    .addHelpText('after', HELP)
    .action(async (opts: Record<string, unknown>) => {
      const stdout = io.stdout ?? process.stdout;
      const stderr = io.stderr ?? process.stderr;
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const skips = new SkippedImages({
          strict: opts.strict === true,
          onSkip: (skip) => stderr.write(`warning: ${describeSkip(skip)}; skipped\n`),
        });
        const result = await run(
          cascadeGivenAsConfig(opts, stderr),
          { stderr, env: io.env ?? {}, skips },
          abort.signal,
        );
        stdout.write(`\n${summaryTable(result.report)}`);
        if (skips.count > 0) stdout.write(`${skips.summary()} (--strict fails on them instead)\n`);
        const files = [opts.json, opts.records, opts.html].filter((f) => typeof f === 'string');
        if (files.length) stdout.write(`\nWrote ${files.join(', ')}\n`);
        // The reports are written either way; a run that stopped or got no answer fails for scripts.
        const problem = evalProblem(result.report);
        if (problem) throw problem;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

async function run(
  opts: Record<string, unknown>,
  {
    stderr,
    env,
    skips,
  }: { stderr: OutputStream; env: Record<string, string | undefined>; skips: SkippedImages },
  signal: AbortSignal,
) {
  if (typeof opts.data !== 'string') {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      'Missing --data: give a folder with pos/ and neg/, or synth[:N].',
    );
  }
  const count = opts.n === undefined ? undefined : countFlag(opts.n, '--n', { example: '200' });
  const durationS =
    opts.duration === undefined
      ? undefined
      : numberFlag(opts.duration, '--duration', { min: 0.001, example: '60' });
  if (count === undefined && durationS === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      'Missing --n: give the number of challenges (or --duration).',
    );
  }
  // Reports are written at the end of the run: a path that cannot take them fails now, not after it.
  for (const [flag, file] of [
    ['--json', opts.json],
    ['--records', opts.records],
    ['--html', opts.html],
  ] as const)
    if (typeof file === 'string') await checkWritableFile(file, flag);
  const common: EvalRunOptions = {
    source: await openEvalData(opts.data),
    ...(await protocolFrom(opts)),
    seed: String(opts.seed),
    count,
    durationMs: durationS === undefined ? undefined : durationS * 1000,
    ratePerS:
      opts.rate === undefined ? undefined : numberFlag(opts.rate, '--rate', { min: 0.001, example: '5' }),
    signal,
    jsonFile: optionalString(opts.json),
    recordsFile: optionalString(opts.records),
    htmlFile: optionalString(opts.html),
    progress: stderr,
    skips,
  };
  const concurrency = countFlag(opts.concurrency, '--concurrency', { example: '4' });
  const timeoutS = numberFlag(opts.timeout, '--timeout', { min: 0.001, example: '9' });
  if (opts.offline === true) {
    const settings = offlineSettings(opts, concurrency, env, stderr);
    const logger = silentLogger();
    const predictor = createCascadePredictor(await cascadeConfigFor(settings), {
      runtime: runtimeContextFor(settings, logger),
      logger,
      clock: systemClock(),
    });
    const model = settings['cascade.config'] || settings['model.path'] || '(default cascade)';
    return evaluateOffline({ ...common, model, predictor, concurrency, timeoutS });
  }
  if (typeof opts.axon !== 'string' || typeof opts.axonHotkey !== 'string') {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      'Missing --axon or --axon-hotkey: give the miner as --axon http://HOST:PORT --axon-hotkey SS58, or use --offline.',
    );
  }
  const signers = await validatorSigners(
    {
      secret: optionalString(opts.validatorMnemonic),
      wallet: {
        path: String(opts['wallet.path']),
        name: String(opts['wallet.name']),
        hotkey: String(opts['wallet.hotkey']),
      },
    },
    countFlag(opts.validators, '--validators', { example: '4' }),
  );
  const settings = offlineSettings(opts, concurrency, env, stderr);
  const labels = settings['eval.record_labels'] ? labelRecorder(settings, signers[0]!.ss58) : undefined;
  try {
    return await evaluateAxon({
      ...common,
      ...(labels && { onChallenge: labels.onChallenge }),
      axon: opts.axon,
      axonHotkey: opts.axonHotkey,
      signers,
      concurrency,
      timeoutS,
    });
  } finally {
    // The rest saved even when the run stops early: every label sent is true whatever the miner answered.
    const saved = await labels?.save().catch((err: unknown) => {
      stderr.write(`warning: eval.record_labels: ${(err as Error).message}\n`);
      return 0;
    });
    if (saved) stderr.write(`Recorded ${saved} labels in the query log (eval.record_labels)\n`);
  }
}

/** What offline mode reads, as serve does: the model, where models live and how they run. */
const EVAL_SETTINGS: SettingsUsed = Object.freeze([
  'data_dir',
  'cascade.config',
  'model.path',
  'model.device',
  'model.workers',
  'model.intra_op_threads',
  'models.cache_dir',
  'models.offline',
  'models.hub_url',
  'models.hub_token',
  'store.url',
  'eval.record_labels',
]);

/**
 * The settings serve would use (flags, environment, `--config` file); the lanes get as many model
 * workers unless `model.workers` is set. Online mode reads where the query log is from them.
 */
function offlineSettings(
  opts: Record<string, unknown>,
  workers: number,
  env: Record<string, string | undefined>,
  stderr: OutputStream,
): Settings {
  return settingsFrom(opts, env, { 'model.workers': workers }, (message) =>
    stderr.write(`warning: ${message}\n`),
  );
}

/**
 * Older evals took the cascade (or a bare .onnx) as `--config`, which every other command reads as
 * the settings file. A `--config` that is an .onnx or holds `stages:` is still taken as the model,
 * with a warning naming the setting to use; any other file is the settings file.
 */
export function cascadeGivenAsConfig(
  opts: Record<string, unknown>,
  stderr: OutputStream,
): Record<string, unknown> {
  const file = opts.config;
  if (typeof file !== 'string') return opts;
  const key = file.toLowerCase().endsWith('.onnx')
    ? 'model.path'
    : hasStages(file)
      ? 'cascade.config'
      : undefined;
  if (key === undefined) return opts;
  stderr.write(
    `warning: eval --config ${file} is deprecated: --config is the settings file in every command; give the model as --${key} ${file}\n`,
  );
  const { config: _cascade, ...rest } = opts;
  return rest[key] === undefined ? { ...rest, [key]: file } : rest;
}

function hasStages(file: string): boolean {
  try {
    const data: unknown = parseYaml(readFileSync(file, 'utf8'));
    return data !== null && typeof data === 'object' && 'stages' in data;
  } catch {
    return false; // the settings loader says what is wrong with it
  }
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
