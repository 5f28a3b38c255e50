/** `roadwork calibrate`: refit a head's temperature, decision shift and exit thresholds on held-out images. */
import { Command } from 'commander';
import { loadHead } from '../../inference/heads/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { checkWritableFile, writeFileAtomic } from '../../core/files/index.js';
import {
  calibrateHead,
  embeddedRows,
  reportTable,
  sweepTable,
  table,
  writeHead,
  type RiskControlledExits,
  type RiskOptions,
} from '../../lifecycle/train/index.js';
import { addEmbeddingFlags, embeddingOptions } from './_embedding-flags.js';
import { numberFlag } from './_number-flag.js';
import type { TrainIo } from './train.js';

const HELP = `
Use images the head was not trained on (e.g. a fresh NATIX sample): the temperature minimises their
negative log-likelihood, the shift moves their MCC-optimal threshold to 0.5, and the exit thresholds
are the widest symmetric band whose accuracy on exits reaches --target-accuracy.
  roadwork calibrate --head models/starter/head.json --data /path/to/held-out --out head.calibrated.json

With --alpha A (and --delta D), the exits come with a finite-sample guarantee instead: half of the
groups (--risk-holdout) are held out, temperature and shift are fitted on the rest, and the exits are
the widest band whose error on exits is <= A with probability >= 1 - D (Learn-then-Test with
Clopper-Pearson bounds on one view per held-out image). See docs/training.md.
  roadwork calibrate --head models/starter/head.json --data /path/to/held-out --alpha 0.05 --delta 0.1`;

function riskOptions(opts: Record<string, unknown>): RiskOptions | undefined {
  if (opts.alpha === undefined) return undefined;
  return {
    alpha: numberFlag(opts.alpha, '--alpha', { above: 0, below: 0.5, example: '0.05' }),
    delta: numberFlag(opts.delta, '--delta', { above: 0, below: 1, example: '0.1' }),
    holdout: numberFlag(opts.riskHoldout, '--risk-holdout', { above: 0, below: 1, example: '0.5' }),
  };
}

function riskTable(risk: RiskControlledExits): string {
  const rows = risk.rows.filter((r) => r.tested);
  return table(
    ['high', 'low', 'exits', 'coverage', 'errors', 'p-value', 'bound', ''],
    rows.map((r) => [
      r.high.toFixed(3),
      r.low.toFixed(3),
      String(r.exits),
      r.coverage.toFixed(3),
      String(r.errors),
      r.pValue.toPrecision(3),
      r.bound.toFixed(4),
      r === risk.chosen ? 'chosen' : r.passed ? 'certified' : 'fails',
    ]),
  );
}

/** Builds the `calibrate` command. */
export function calibrateCommand(io: TrainIo = {}): Command {
  const command = new Command('calibrate').description(
    "Refit a head's temperature, shift and exit thresholds on held-out images",
  );
  addEmbeddingFlags(command)
    .requiredOption('--head <file>', 'the head file to calibrate')
    .option('--out <file>', 'where to write the calibrated head (default: print only)')
    .option('--report <file>', 'also write the report as JSON')
    .option(
      '--alpha <a>',
      'choose exits with error on exits <= a with probability >= 1 - delta (risk control)',
    )
    .option('--delta <d>', 'with --alpha: the chance the guarantee fails', '0.1')
    .option(
      '--risk-holdout <f>',
      'with --alpha: fraction of the groups held out to choose the exits on',
      '0.5',
    )
    .addHelpText('after', HELP)
    .action(async (opts: Record<string, unknown>) => {
      const stdout = io.stdout ?? process.stdout;
      const stderr = io.stderr ?? process.stderr;
      const emb = embeddingOptions(opts, stderr, io.env ?? {});
      const risk = riskOptions(opts);
      const head = await loadHead(String(opts.head));
      await checkWritableFile(String(opts.out), '--out');
      const { rows, version } = await embeddedRows(emb);
      if (emb.skips.count > 0) stderr.write(`${emb.skips.summary()}; calibrating on the rest\n`);
      if (head.embedder !== undefined && head.embedder !== version) {
        throw new RoadworkError(
          'ERR_MODEL_LOAD',
          `Head ${String(opts.head)} was trained on another embedder: ${head.embedder}, not ${version}; pass the same --embedder and --embedder-options`,
        );
      }
      const result = await calibrateHead(head, rows, {
        tta: emb.tta,
        targetAccuracy: emb.targetAccuracy,
        seed: emb.seed,
        ...(risk ? { risk } : {}),
      });
      stdout.write(
        `Metrics on ${risk ? 'the held-out groups' : 'these images'} after calibration (threshold 0.5):\n${reportTable(result.report)}\n`,
      );
      stdout.write(`\nAccuracy vs coverage of exit thresholds:\n${sweepTable(result.report.sweep)}\n`);
      stdout.write(
        `\ntemperature ${result.head.temperature.toFixed(3)} (was ${head.temperature.toFixed(3)}), shift ${result.head.shift.toFixed(3)} (was ${head.shift.toFixed(3)})\n`,
      );
      if (result.risk) {
        stdout.write(
          `\nRisk control (${result.risk.starts} fixed sequences at δ/${result.risk.starts}, ${result.risk.n} held-out images):\n${riskTable(result.risk)}\n`,
        );
        stdout.write(`${result.risk.guarantee}\n`);
      } else if (result.exits)
        stdout.write(
          `exits for accuracy ≥ ${emb.targetAccuracy}: high ${result.exits.high.toFixed(2)}, low ${result.exits.low.toFixed(2)}\n`,
        );
      if (typeof opts.out === 'string') {
        await writeHead(opts.out, result.head);
        stdout.write(`Wrote ${opts.out}\n`);
      }
      if (typeof opts.report === 'string')
        await writeFileAtomic(opts.report, `${JSON.stringify(result.report, null, 2)}\n`);
    });
  return command;
}
