#!/usr/bin/env -S node --max-semi-space-size=32
/** The `roadwork` CLI entry: runs the command tree and turns coded errors into clear exits. */
import { isRoadworkError } from '../errors/index.js';
import { buildProgram } from './index.js';

async function main(): Promise<void> {
  try {
    await buildProgram(process.env).parseAsync(process.argv);
  } catch (err) {
    if (isRoadworkError(err)) {
      process.stderr.write(`roadwork: ${err.code}: ${err.message}\n`);
      process.exitCode = err.code.startsWith('ERR_CONFIG') ? 2 : 1;
    } else {
      process.stderr.write(`roadwork: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
  }
}

await main();
