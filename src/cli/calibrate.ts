/** `roadwork calibrate`: refit a head's temperature, decision shift and exit thresholds on held-out images. */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { loadHead } from '../heads/index.js';
import { RoadworkError } from '../errors/index.js';
import { calibrateHead, embeddedRows, reportTable, sweepTable, writeHead } from '../train/index.js';
import { addEmbeddingFlags, embeddingOptions } from './_embedding-flags.js';
import type { TrainIo } from './train.js';

const HELP = `
Use images the head was not trained on (e.g. a fresh NATIX sample): the temperature minimises their
negative log-likelihood, the shift moves their MCC-optimal threshold to 0.5, and the exit thresholds
are the widest symmetric band whose accuracy on exits reaches --target-accuracy.
  roadwork calibrate --head models/starter/head.json --data /path/to/held-out --out head.calibrated.json`;

/** Builds the `calibrate` command. */
export function calibrateCommand(io: TrainIo = {}): Command {
  const command = new Command('calibrate').description(
    "Refit a head's temperature, shift and exit thresholds on held-out images",
  );
  addEmbeddingFlags(command)
    .requiredOption('--head <file>', 'the head file to calibrate')
    .option('--out <file>', 'where to write the calibrated head (default: print only)')
    .option('--report <file>', 'also write the report as JSON')
    .addHelpText('after', HELP)
    .action(async (opts: Record<string, unknown>) => {
      const stdout = io.stdout ?? process.stdout;
      const stderr = io.stderr ?? process.stderr;
      const emb = embeddingOptions(opts, stderr);
      const head = await loadHead(String(opts.head));
      const { rows, version } = await embeddedRows(emb);
      if (head.embedder !== undefined && head.embedder !== version) {
        throw new RoadworkError(
          'ERR_MODEL_LOAD',
          `Head ${String(opts.head)} was trained on another embedder: ${head.embedder}, not ${version}; pass the same --embedder and --embedder-options`,
        );
      }
      const result = calibrateHead(head, rows, {
        tta: emb.tta,
        targetAccuracy: emb.targetAccuracy,
        seed: emb.seed,
      });
      stdout.write(
        `Metrics on these images after calibration (threshold 0.5):\n${reportTable(result.report)}\n`,
      );
      stdout.write(`\nAccuracy vs coverage of exit thresholds:\n${sweepTable(result.report.sweep)}\n`);
      stdout.write(
        `\ntemperature ${result.head.temperature.toFixed(3)} (was ${head.temperature.toFixed(3)}), shift ${result.head.shift.toFixed(3)} (was ${head.shift.toFixed(3)})\n`,
      );
      if (result.exits)
        stdout.write(
          `exits for accuracy ≥ ${emb.targetAccuracy}: high ${result.exits.high.toFixed(2)}, low ${result.exits.low.toFixed(2)}\n`,
        );
      if (typeof opts.out === 'string') {
        await writeHead(opts.out, result.head);
        stdout.write(`Wrote ${opts.out}\n`);
      }
      if (typeof opts.report === 'string')
        await writeFile(opts.report, `${JSON.stringify(result.report, null, 2)}\n`);
    });
  return command;
}
