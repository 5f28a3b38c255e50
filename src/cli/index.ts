/** The `roadwork` command tree. */
import { Command } from 'commander';
import { calibrateCommand } from './calibrate.js';
import { challengesCommand } from './challenges.js';
import { chainCommand } from './chain.js';
import { configCommand } from './config.js';
import { dataCommand } from './data.js';
import { doctorCommand } from './doctor.js';
import { evalCommand } from './eval.js';
import { modelsCommand } from './models.js';
import { serveCommand } from './serve.js';
import { startCommand } from './start.js';
import { trainCommand } from './train.js';
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
    .addCommand(evalCommand({ env }))
    .addCommand(challengesCommand())
    .addCommand(trainCommand({ env }))
    .addCommand(calibrateCommand())
    .addCommand(walletCommand(env))
    .addCommand(chainCommand(env))
    .addCommand(doctorCommand(env))
    .addCommand(modelsCommand(env))
    .addCommand(dataCommand(env))
    .addCommand(configCommand(env));
}
