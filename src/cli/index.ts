/** The `roadwork` command tree. */
import { Command } from 'commander';
import { configCommand } from './config.js';
import { serveCommand } from './serve.js';
import { startCommand } from './start.js';
import { walletCommand } from './wallet.js';
import { VERSION } from './_version.js';

/** Builds the program for the given environment (tests pass their own). */
export function buildProgram(env: Record<string, string | undefined>): Command {
  return new Command('roadwork')
    .description('A miner for Bittensor subnet 72 (NATIX StreetVision roadwork detection)')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(startCommand(env))
    .addCommand(serveCommand(env))
    .addCommand(walletCommand(env))
    .addCommand(configCommand(env));
}
