/**
 * The `roadwork` command tree. A command's module (and the model runtimes, chain client and stores it
 * pulls in, seconds of imports) loads only when that command runs, so `--version` and `--help` answer at once.
 */
import { Command } from 'commander';
import { VERSION } from './_version.js';

type Env = Record<string, string | undefined>;

/** A top-level command: its name, its line in `roadwork --help`, and how to build it. */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  readonly load: (env: Env) => Promise<Command>;
}

/** Every top-level command, in the order `roadwork --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = Object.freeze([
  {
    name: 'start',
    summary:
      'Local mode: run the miner and a local validator that sends it signed challenges, printing the score',
    load: async (env) => (await import('./start.js')).startCommand(env),
  },
  {
    name: 'serve',
    summary: 'Serve the ImageSynapse axon to validators (live metagraph unless --metagraph.file is set)',
    load: async (env) => (await import('./serve.js')).serveCommand(env),
  },
  {
    name: 'eval',
    summary: 'Score a miner as validators do (signed challenges, MCC, reward EMA) and write reports',
    load: async (env) => (await import('./eval.js')).evalCommand({ env }),
  },
  {
    name: 'challenges',
    summary: 'Write a fixed challenge set (one JPEG per challenge and a manifest) for repeatable evals',
    load: async () => (await import('./challenges.js')).challengesCommand(),
  },
  {
    name: 'train',
    summary: 'Train a classifier head on frozen-backbone embeddings of validator-style views',
    load: async (env) => (await import('./train.js')).trainCommand({ env }),
  },
  {
    name: 'calibrate',
    summary: "Refit a head's temperature, shift and exit thresholds on held-out images",
    load: async (env) => (await import('./calibrate.js')).calibrateCommand({ env }),
  },
  {
    name: 'wallet',
    summary: 'Create or inspect the miner hotkey (Bittensor wallet files)',
    load: async (env) => (await import('./wallet.js')).walletCommand(env),
  },
  {
    name: 'chain',
    summary: 'Chain commands for the miner hotkey: status, serve-axon, metagraph (never the coldkey)',
    load: async (env) => (await import('./chain.js')).chainCommand(env),
  },
  {
    name: 'roi',
    summary: 'What mining pays: chain emission, alpha price and incentive against your GPU costs',
    load: async (env) => (await import('./roi.js')).roiCommand(env),
  },
  {
    name: 'doctor',
    summary: 'Check wallet, registration, axon, validator traffic, subnet state, model and host',
    load: async (env) => (await import('./doctor.js')).doctorCommand(env),
  },
  {
    name: 'models',
    summary:
      "The cascade's models (list, pull, check) and the model registry (register, promote, rollback, canary, diff)",
    load: async (env) => (await import('./models.js')).modelsCommand(env),
  },
  {
    name: 'retrain',
    summary: 'Train again, promote only through the gate, optionally publish; once or --every interval',
    load: async (env) => (await import('./retrain.js')).retrainCommand(env),
  },
  {
    name: 'publish',
    summary:
      'Publish a registry version to Hugging Face (model_card.json, a README card, the bundle with checksums)',
    load: async (env) => (await import('./publish.js')).publishCommand(env),
  },
  {
    name: 'register',
    summary: "Optional: register the published model with NATIX's server (validators no longer check it)",
    load: async (env) => (await import('./publish.js')).registerCommand(env),
  },
  {
    name: 'data',
    summary: 'Datasets: add and check labelled images, list, show, export',
    load: async (env) => (await import('./data.js')).dataCommand(env),
  },
  {
    name: 'queries',
    summary: "The miner's query log: stats, export (folders, csv, coco, fiftyone) and prune",
    load: async (env) => (await import('./queries.js')).queriesCommand(env),
  },
  {
    name: 'ui',
    summary: 'The web app: label the query log by keyboard, export, retrain through the gate, live dashboard',
    load: async (env) => (await import('./ui.js')).uiCommand(env),
  },
  {
    name: 'config',
    summary: 'Validate and print the resolved settings (flags > environment > config file > defaults)',
    load: async (env) => (await import('./config.js')).configCommand(env),
  },
]);

/**
 * Builds the program for `args` (the arguments after `roadwork`): the command they name is loaded, the
 * others are listed by name and summary only. Without `args` every command is loaded (tests, docs).
 */
export async function buildProgram(env: Env, args?: readonly string[]): Promise<Command> {
  const program = new Command('roadwork')
    .description('A miner for Bittensor subnet 72 (NATIX StreetVision roadwork detection)')
    .version(VERSION);
  const wanted = args === undefined ? undefined : commandNamed(args);
  for (const entry of COMMANDS) {
    program.addCommand(
      args === undefined || entry.name === wanted
        ? await entry.load(env)
        : new Command(entry.name).description(entry.summary),
    );
  }
  throwInsteadOfExit(program);
  return program;
}

// Commander exits the process itself on a usage error (status 1); thrown instead, the entry gives it
// a code and status 2 like every other bad setting, and tests that parse a bad flag see an error.
function throwInsteadOfExit(command: Command): void {
  command.exitOverride();
  command.configureOutput({ outputError: () => undefined });
  for (const sub of command.commands) throwInsteadOfExit(sub);
}

// The program has no options of its own that take a value, so the first word is the command;
// `roadwork help <command>` asks for that command's help.
function commandNamed(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}
