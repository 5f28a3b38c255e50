#!/usr/bin/env -S node --max-semi-space-size=32
/** The `roadwork` CLI entry: runs the command tree and turns coded errors into clear exits. */
import { CommanderError } from 'commander';
import { isRoadworkError } from '../../core/errors/index.js';
import { buildProgram } from './index.js';

// A reader that stops early (`roadwork config | head -1`) closes the pipe; the shell's own tools die
// quietly of SIGPIPE there, so end the same way instead of with an unhandled 'error' event's stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

async function main(): Promise<void> {
  try {
    const program = await buildProgram(process.env, process.argv.slice(2));
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, having printed what was asked (status 0).
      if (err.exitCode === 0 || err.code === 'commander.help') {
        process.exitCode = err.exitCode;
        return;
      }
      const code = err.code === 'commander.unknownOption' ? 'ERR_CONFIG_UNKNOWN_KEY' : 'ERR_CONFIG_INVALID';
      process.stderr.write(
        `roadwork: ${code}: ${err.message.replace(/^error: /, '')} (run with --help for usage)\n`,
      );
      process.exitCode = 2;
    } else if (isRoadworkError(err)) {
      process.stderr.write(`roadwork: ${err.code}: ${err.message}\n`);
      process.exitCode = err.code.startsWith('ERR_CONFIG') ? 2 : 1;
    } else {
      process.stderr.write(`roadwork: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  }
}

await main();
