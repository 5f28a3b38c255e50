/** `roadwork publish` and `roadwork register`: a registry version on the model hub, and NATIX's optional registration. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { systemClock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { dataPath } from '../../core/files/index.js';
import {
  recordPublication,
  registerWithNatix,
  repoFrom,
  stageRepo,
  uploadRepo,
  type CardInput,
  type GateRecord,
  type UploadResult,
} from '../../lifecycle/publish/index.js';
import type { Store } from '../../core/store/index.js';
import { getVersion, productionHistory } from '../../lifecycle/registry/index.js';
import type { Signer } from '../../wire/wallet/index.js';
import { withChain, type ChainCommandDeps } from './chain.js';
import { withStore } from './_store.js';
import { numberFlag } from './_number-flag.js';
import { addSettingOptions, settingsFrom, type SettingsUsed } from './_settings.js';
import { timeoutMs } from './_timeout.js';

type Env = Record<string, string | undefined>;
type Opts = Record<string, unknown>;

/** What the commands take from outside (tests: a replayed chain, a fixed hotkey, captured output). */
export interface PublishDeps extends Pick<ChainCommandDeps, 'providerFactory'> {
  readonly loadSigner?: (settings: Settings) => Promise<Signer> | Signer;
  readonly stdout?: { write(text: string): unknown };
  readonly stderr?: { write(text: string): unknown };
  /** Waits between NATIX status polls; default a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const PUBLISH: SettingsUsed = [
  'data_dir',
  'wallet.',
  'model.url',
  'models.hub_url',
  'models.hub_token',
  'log.level',
];
const REGISTER: SettingsUsed = ['netuid', 'subtensor.', 'wallet.', 'model.url', 'natix.url', 'log.level'];

async function defaultSigner(settings: Settings): Promise<Signer> {
  return (await import('../miner/index.js')).loadSigner(settings);
}

/** The model repository from `--repo`, else `model.url`; ERR_CONFIG_INVALID saying where to give one. */
export function repoOf(opts: Opts, settings: Settings): string {
  const given = typeof opts.repo === 'string' ? opts.repo : settings['model.url'];
  const repo = repoFrom(given);
  if (repo === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      given === ''
        ? 'No model repository: give --repo owner/name, or set model.url (MODEL_URL) to https://huggingface.co/owner/name.'
        : `Not a model repository: "${given}". Give owner/name or https://huggingface.co/owner/name.`,
    );
  }
  return repo;
}

/** The promotion of `version` through the gate, as the production history recorded it. */
function gateOf(history: ReturnType<typeof productionHistory>, version: string): GateRecord | undefined {
  const event = history.find((e) => e.action === 'promote' && e.version === version);
  return event === undefined ? undefined : { at: event.at, ...(event.detail as Omit<GateRecord, 'at'>) };
}

/** A positive number of seconds in ms, `fallbackS` when the flag is absent. */
function secondsMs(value: unknown, flag: string, fallbackS: number): number {
  if (value === undefined) return fallbackS * 1000;
  return numberFlag(value, flag, { above: 0, example: String(fallbackS) }) * 1000;
}

/**
 * Stages `input` in a temporary folder, uploads it to `models.hub_url` with `models.hub_token`, and
 * records the publication (the model's age counts from it). Progress lines go to `err`.
 */
export async function uploadVersion(
  settings: Settings,
  store: Store,
  input: CardInput,
  createPrivate: boolean,
  err: { write(text: string): unknown },
): Promise<UploadResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'roadwork-publish-'));
  try {
    const staged = await stageRepo(join(tmp, 'repo'), input);
    err.write(
      `Uploading ${staged.files.length} files of ${input.version.id} to ${settings['models.hub_url']}/${input.repo}…\n`,
    );
    const done = await uploadRepo(staged, {
      repo: input.repo,
      hubUrl: settings['models.hub_url'],
      token: settings['models.hub_token'],
      private: createPrivate,
    });
    recordPublication(store, {
      version: input.version.id,
      repo: input.repo,
      hubUrl: settings['models.hub_url'],
      commit: done.commit,
      submittedBy: input.submittedBy,
      submissionTime: input.submissionTime,
      at: Date.now(),
    });
    err.write(
      `Published ${input.version.id} as ${input.repo} (commit ${done.commit.slice(0, 12)}${done.created ? ', repository created' : ''}); ` +
        `model age counts from ${new Date(input.submissionTime * 1000).toISOString()}.\n`,
    );
    if (repoFrom(settings['model.url']) !== input.repo)
      err.write(
        `Set model.url (MODEL_URL) to ${settings['models.hub_url']}/${input.repo} so the axon answers it.\n`,
      );
    return done;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** What a card for `id` says: the version, the gate's record, the hotkey and now. */
export function cardInput(
  store: Store,
  id: string,
  repo: string,
  signer: Signer,
  nowMs: number,
  description?: string,
): CardInput {
  const version = getVersion(store, id);
  const gate = gateOf(productionHistory(store), version.id);
  return {
    version,
    repo,
    submittedBy: signer.ss58,
    submissionTime: Math.floor(nowMs / 1000),
    ...(description === undefined ? {} : { description }),
    ...(gate === undefined ? {} : { gate }),
  };
}

/** Builds `roadwork publish`. */
export function publishCommand(env: Env, deps: PublishDeps = {}): Command {
  const out = deps.stdout ?? process.stdout;
  const err = deps.stderr ?? process.stderr;
  const command = new Command('publish')
    .description(
      'Publish a registry version to Hugging Face: model_card.json (the subnet keys), a README card with its numbers, the bundle with checksums',
    )
    .argument('<version>', 'registry version id or a unique prefix (roadwork models versions)')
    .option('--repo <owner/name>', 'the model repository (default: from model.url)')
    .option('--description <text>', "model_card.json's description")
    .option('--dry-run', 'write the repository folder only; upload nothing')
    .option('--out <dir>', 'where --dry-run writes (default: <data_dir>/publish/<version>-<time>)')
    .option('--private', 'create the repository private when it does not exist')
    .addHelpText(
      'after',
      '\nThe token comes from HF_TOKEN (models.hub_token) and must be a write token. Validators have not checked\n' +
        'model_card.json since 2025-11-30; publishing still records the submission time, which the model-age\n' +
        'warnings (75, 80, 85 days) count from.\n\nExamples:\n' +
        '  roadwork publish m-1a2b --repo alice/roadwork --dry-run\n' +
        '  HF_TOKEN=hf_… roadwork publish m-1a2b --repo alice/roadwork',
    );
  addSettingOptions(command, PUBLISH).action(async (id: string, opts: Opts) => {
    const settings = settingsFrom(opts, env);
    const repo = repoOf(opts, settings);
    const signer = await (deps.loadSigner ?? defaultSigner)(settings);
    const clock = systemClock();
    await withStore(settings, async (ctx) => {
      const input = cardInput(
        ctx.store,
        id,
        repo,
        signer,
        clock.nowMs(),
        typeof opts.description === 'string' ? opts.description : undefined,
      );
      const version = input.version;
      const submissionTime = input.submissionTime;
      if (opts.dryRun === true) {
        const dir =
          typeof opts.out === 'string'
            ? opts.out
            : dataPath(settings.data_dir, 'publish', `${version.id}-${submissionTime}`);
        const staged = await stageRepo(dir, input);
        out.write(`${staged.dir}\n`);
        for (const f of staged.files) err.write(`  ${f.path}  ${f.bytes} B  ${f.sha256.slice(0, 12)}\n`);
        err.write(`Dry run: nothing uploaded. Upload with: roadwork publish ${version.id} --repo ${repo}\n`);
        return;
      }
      const done = await uploadVersion(settings, ctx.store, input, opts.private === true, err);
      out.write(`${done.commitUrl}\n`);
    });
  });
  return command;
}

/** Builds `roadwork register`. */
export function registerCommand(env: Env, deps: PublishDeps = {}): Command {
  const out = deps.stdout ?? process.stdout;
  const err = deps.stderr ?? process.stderr;
  const command = new Command('register')
    .description(
      "Optional: register the published model with NATIX's server (validators stopped checking it on 2025-11-30)",
    )
    .option('--uid <n>', "the hotkey's uid on the subnet (default: read from the chain)")
    .option('--repo <owner/name>', 'the published model repository (default: from model.url)')
    .option('--wait <seconds>', 'how long to poll the registration status (default: 180)')
    .option('--poll <seconds>', 'between status polls (default: 3)')
    .option(
      '--timeout <seconds>',
      'seconds to wait for the node when the uid is read from the chain (default: 30)',
    )
    .addHelpText(
      'after',
      '\nSigns the current Unix time with the hotkey and posts it with the uid and repository to\n' +
        '<natix.url>/participants/register, then polls the status. NATIX removed this step from its docs;\n' +
        'validators do not check it. Use it only if NATIX asks you to.',
    );
  addSettingOptions(command, REGISTER).action(async (opts: Opts) => {
    const settings = settingsFrom(opts, env);
    const repo = repoOf(opts, settings);
    // Every number is checked before the hotkey is read or the chain is asked.
    const given =
      opts.uid === undefined
        ? undefined
        : numberFlag(opts.uid, '--uid', { min: 0, integer: true, example: '12' });
    const pollMs = secondsMs(opts.poll, '--poll', 3);
    const waitMs = secondsMs(opts.wait, '--wait', 180);
    const chainMs = timeoutMs(opts.timeout, 30);
    const signer = await (deps.loadSigner ?? defaultSigner)(settings);
    let uid = given;
    if (uid === undefined) {
      const { uidForHotkey } = await import('../../wire/chain/index.js');
      const found = await withChain(settings, deps, { timeoutMs: chainMs }, (api) =>
        uidForHotkey(api, settings.netuid, signer.ss58),
      );
      if (found === undefined)
        throw new RoadworkError(
          'ERR_HOTKEY_NOT_REGISTERED',
          `Hotkey ${signer.ss58} is not registered on subnet ${settings.netuid}: nothing to register with NATIX. See roadwork chain status.`,
        );
      uid = found;
    }
    err.write(`Registering uid ${uid} (${signer.ss58}) with ${settings['natix.url']} for ${repo}…\n`);
    const done = await registerWithNatix({
      baseUrl: settings['natix.url'],
      uid,
      signer,
      repo,
      clock: systemClock(),
      pollMs,
      timeoutMs: waitMs,
      onStatus: (s) => err.write(`  status: ${s}\n`),
      ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
    });
    out.write(`${done.status}\n`);
  });
  return command;
}
