/**
 * `roadwork retrain`: train a head again with the given train flags plus the query log's labelled
 * images, register it, promote it only if it passes the registry's gate, optionally publish it; once,
 * or every interval. A miner serving with `registry.follow` picks up a promotion without a restart.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { systemClock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError, isRoadworkError } from '../../core/errors/index.js';
import { MANIFEST_FILE } from '../../lifecycle/registry/index.js';
import type { Signer } from '../../wire/wallet/index.js';
import { addGateOptions, gateNumbers, promoteThroughGate, withRegistry } from './_models-registry.js';
import { cardInput, repoOf, uploadVersion } from './publish.js';
import { MODEL_SETTINGS, addSettingOptions, settingsFrom, type SettingsUsed } from './_settings.js';
import { queryLogData, type QueryLogData } from './_retrain-querylog.js';
import { countFlag } from './_number-flag.js';
import { withStore } from './_store.js';
import { trainCommand } from './train.js';

type Env = Record<string, string | undefined>;
type Opts = Record<string, unknown>;

/** What one cycle did. */
export interface RetrainResult {
  /** The version trained and registered. */
  readonly version: string;
  readonly promoted: boolean;
  /** Why not, when not (the gate's message). */
  readonly reason?: string;
  /** The hub commit URL when published. */
  readonly published?: string;
  /** Labelled query-log images trained on (0 when the query log was left out). */
  readonly querylogImages: number;
}

/** What the command takes from outside (tests: a fixed hotkey, captured output, a bounded loop). */
export interface RetrainDeps {
  readonly loadSigner?: (settings: Settings) => Promise<Signer> | Signer;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
  /** Ends `--every` between cycles; default SIGINT or SIGTERM. */
  readonly signal?: AbortSignal;
}

const USES: SettingsUsed = [
  ...MODEL_SETTINGS,
  'wallet.',
  'model.url',
  'models.hub_url',
  'models.hub_token',
  'store.url',
];

const EXAMPLE = 'roadwork retrain -- --data ../photos --protocol 0.4';

/** The `--data` folders among train's flags (`--data DIR` or `--data=DIR`). */
export function dataFoldersOf(trainArgs: readonly string[]): string[] {
  const folders: string[] = [];
  trainArgs.forEach((a, i) => {
    if (a === '--data' && trainArgs[i + 1] !== undefined) folders.push(trainArgs[i + 1]!);
    else if (a.startsWith('--data=')) folders.push(a.slice('--data='.length));
  });
  return folders;
}

function noData(why: string): RoadworkError {
  return new RoadworkError(
    'ERR_RETRAIN_NO_DATA',
    `No training data for roadwork retrain: no --data after -- and ${why}. Pass roadwork train's flags after --, ` +
      `at least --data with a folder of pos/ and neg/ images (or a manifest.csv), e.g.: ${EXAMPLE}`,
  );
}

/** `--querylog-min`: labelled query-log images needed before the log joins the training data. */
function querylogMin(opts: Opts): number {
  return countFlag(opts.querylogMin, '--querylog-min');
}

function querylogLine(q: QueryLogData): string {
  const dup = q.duplicates > 0 ? `; ${q.duplicates} more are in a --data folder already` : '';
  return q.folder === undefined
    ? `retrain: query log not used: ${q.reason ?? ''}${dup}`
    : `retrain: training adds ${q.images} labelled query-log images (${q.positives} roadwork)${dup}`;
}

/** `30m`, `6h`, `1d`, `90s` in ms. */
export function parseInterval(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(value.trim());
  const ms = m ? Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd'] : NaN;
  if (!(ms >= 1000)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --every: "${value}"; give a number and a unit, at least a second: 90s, 30m, 6h, 1d.`,
    );
  }
  return ms;
}

async function defaultSigner(settings: Settings): Promise<Signer> {
  return (await import('../miner/index.js')).loadSigner(settings);
}

/** One cycle: train and register into a temporary bundle, the gate, then the optional publish. */
async function cycle(
  settings: Settings,
  trainArgs: readonly string[],
  opts: Opts,
  env: Env,
  deps: RetrainDeps,
): Promise<RetrainResult> {
  const err = deps.stderr ?? process.stderr;
  const log = (line: string): void => void err.write(`${line}\n`);
  const tmp = await mkdtemp(join(tmpdir(), 'roadwork-retrain-'));
  try {
    const data = dataFoldersOf(trainArgs);
    const querylog: QueryLogData =
      opts.querylog === false
        ? { images: 0, positives: 0, duplicates: 0, reason: '--no-querylog' }
        : await queryLogData(settings, tmp, { min: querylogMin(opts), dataFolders: data });
    log(querylogLine(querylog));
    if (data.length === 0 && querylog.folder === undefined)
      throw noData(`the query log gives none (${querylog.reason ?? ''})`);
    const querylogImages = querylog.folder === undefined ? 0 : querylog.images;
    const bundle = join(tmp, 'bundle');
    const train = trainCommand({ stdout: err, stderr: err, env });
    train.exitOverride();
    const given = (flag: string) => trainArgs.some((a) => a === flag || a.startsWith(`${flag}=`));
    const state = given('--data_dir') ? [] : ['--data_dir', settings.data_dir];
    // The head takes its stage's place in production's cascade, which keeps its other routes and stages.
    const base = opts.base === false || given('--base') ? [] : ['--base', 'production', '--base-or-alone'];
    await train.parseAsync(
      [
        ...trainArgs,
        ...(querylog.folder === undefined ? [] : ['--data', querylog.folder]),
        ...state,
        ...base,
        ...['--out', join(tmp, 'head.json'), '--bundle', bundle, '--register'],
      ],
      { from: 'user' },
    );
    const id = (JSON.parse(await readFile(join(bundle, MANIFEST_FILE), 'utf8')) as { id: string }).id;
    let promoted: boolean;
    let reason: string | undefined;
    try {
      await withRegistry(settings, (ctx) =>
        promoteThroughGate(settings, ctx, id, opts, gateNumbers(opts), log),
      );
      promoted = true;
    } catch (e) {
      if (!isRoadworkError(e, 'ERR_PROMOTION_REFUSED')) throw e;
      promoted = false;
      reason = e.message;
    }
    if (!promoted || opts.publish !== true)
      return { version: id, promoted, ...(reason ? { reason } : {}), querylogImages };
    const signer = await (deps.loadSigner ?? defaultSigner)(settings);
    const repo = repoOf(opts, settings);
    const done = await withStore(settings, (ctx) =>
      uploadVersion(settings, ctx.store, cardInput(ctx.store, id, repo, signer, Date.now()), false, err),
    );
    return { version: id, promoted, published: done.commitUrl, querylogImages };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

function summary(r: RetrainResult): string {
  const used = `${r.querylogImages} query-log images`;
  if (!r.promoted) return `${r.version} trained (${used}) and registered, not promoted: ${r.reason ?? ''}`;
  return `${r.version} trained (${used}) and promoted to production${r.published ? `, published: ${r.published}` : ''}`;
}

/** Builds `roadwork retrain`. */
export function retrainCommand(env: Env, deps: RetrainDeps = {}): Command {
  const out = deps.stdout ?? process.stdout;
  const err = deps.stderr ?? process.stderr;
  const command = new Command('retrain')
    .description(
      'Train a head again (plus the labelled query log), promote it only if it passes the gate, optionally publish it; once or --every interval',
    )
    .argument('[train-args...]', 'roadwork train flags after --, e.g. -- --data ../photos --protocol 0.4')
    .option('--every <interval>', 'run again every interval (90s, 30m, 6h, 1d) until stopped')
    .option('--publish', 'publish a promoted version to the hub (roadwork publish)')
    .option('--repo <owner/name>', 'with --publish: the model repository (default: from model.url)')
    .option('--json', 'print each cycle as a JSON line')
    .option('--no-querylog', "leave the query log's labelled images out of the training data")
    .option(
      '--no-base',
      "bundle the head alone (a one-stage cascade) instead of in place of its stage in production's cascade",
    )
    .option(
      '--querylog-min <n>',
      "train on the query log's labelled images only when it holds at least this many",
      '20',
    )
    .addHelpText(
      'after',
      '\nEach cycle: roadwork train <train-args> --bundle --register, then the promotion gate (as roadwork\n' +
        "models promote), then with --publish roadwork publish. The new head serves inside production's\n" +
        'cascade (train --base production): it replaces the backbone-head stage with its embedder,\n' +
        "preprocess and TTA, and every other route and stage stays (the starter's 2.0.4 route and its\n" +
        'signs stage); when it fits no stage it is bundled alone, saying so (--no-base: always\n' +
        'alone). The labelled images of the query log (data_dir or store.url) train too, as one more\n' +
        '--data folder, when there are at least --querylog-min of them (--no-querylog: never).\n' +
        'Without --data and without them there is nothing\n' +
        'to train on: ERR_RETRAIN_NO_DATA. A refused promotion is not an error: the\n' +
        'version stays registered and production unchanged. With --every a failed cycle is logged and the\n' +
        'next runs on time. A miner serving with --registry.follow switches to a promoted version without a\n' +
        'restart. A systemd timer calling it once: deploy/systemd (docs/operations.md).\n\nExamples:\n' +
        '  roadwork retrain -- --data ../photos --protocol 0.4 --train-views 1,3,3,6\n' +
        '  roadwork retrain --every 1d --challenges ../gate-set --publish -- --data ../photos',
    );
  addSettingOptions(addGateOptions(command), USES).action(async (trainArgs: string[], opts: Opts) => {
    const settings = settingsFrom(opts, env);
    gateNumbers(opts);
    querylogMin(opts);
    if (dataFoldersOf(trainArgs).length === 0 && opts.querylog === false) throw noData('--no-querylog');
    const every = typeof opts.every === 'string' ? parseInterval(opts.every) : undefined;
    if (opts.publish === true) repoOf(opts, settings);
    const print = (r: RetrainResult): void =>
      void out.write(opts.json === true ? `${JSON.stringify(r)}\n` : `${summary(r)}\n`);
    if (every === undefined) return print(await cycle(settings, trainArgs, opts, env, deps));
    const signal = deps.signal ?? stopSignal();
    const clock = systemClock();
    while (!signal.aborted) {
      const started = clock.nowMs();
      try {
        print(await cycle(settings, trainArgs, opts, env, deps));
      } catch (e) {
        // Nothing to train on is the configuration's fault, not this cycle's: waiting will not fix it.
        if (isRoadworkError(e, 'ERR_RETRAIN_NO_DATA')) throw e;
        err.write(`retrain: this cycle failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
      const wait = Math.max(0, started + every - clock.nowMs());
      if (signal.aborted) break;
      err.write(`retrain: next cycle at ${new Date(clock.nowMs() + wait).toISOString()}\n`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  });
  return command;
}

/** Aborts on the first SIGINT or SIGTERM (a cycle in progress finishes first). */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return controller.signal;
}
