/** `roadwork challenges`: writes a fixed, reusable challenge set (JPEGs and a JSONL manifest) to disk. */
import { Command } from 'commander';
import { evalPlan, openImageData, type OutputStream } from '../../validation/eval/index.js';
import { SkippedImages, describeSkip } from '../../data/sources/index.js';
import { writeChallengeSet } from '../../validation/validator/index.js';
import { countFlag } from './_number-flag.js';
import { addProtocolOptions, protocolFrom } from './_protocol-flags.js';

const HELP = `
Draws N challenges exactly as roadwork eval does with the same --data, --seed and --protocol
(each label with probability ½, as validators draw it, so a short set is seldom exactly balanced;
0.4: each image JPEG q75 at its own size from the real, synthetic or held-out api third; 2.0.4: the
four augmentation levels, 224×224 JPEG q75) and writes them to --out: 000000.jpg, …
and challenges.jsonl (a header line with the protocol, then one line per challenge: i, file, label,
group, source, and origin and size (0.4) or level and params (2.0.4)). roadwork eval --data OUT
replays the set as is, without drawing again. The set is written into a temporary folder beside
--out and renamed to it at the end: an interrupted run leaves --out as it was. An image that cannot
be read or decoded is skipped with a warning naming it (another of its label is drawn instead);
--strict fails on it.
See docs/eval.md.`;

/** Builds the `challenges` command; `stdout` gets the summary, `stderr` the warnings (tests pass their own). */
export function challengesCommand(
  io: { readonly stdout?: OutputStream; readonly stderr?: OutputStream } = {},
): Command {
  const command = new Command('challenges')
    .description('Write a fixed challenge set (one JPEG per challenge and a manifest) for repeatable evals')
    .requiredOption('--data <dir>', 'images (pos/ neg/ or manifest.csv), NATIX parquet, or synth[:N]')
    .requiredOption('--n <n>', 'number of challenges')
    .requiredOption('--out <dir>', 'a new or empty folder for the set')
    .option('--seed <seed>', 'seed of the challenge sequence (as roadwork eval --seed)', 'eval')
    .option('--strict', 'fail at the first unreadable image instead of skipping it with a warning');
  return addProtocolOptions(command)
    .addHelpText('after', HELP)
    .action(async (opts: { data: string; n: string; out: string; seed: string; strict?: boolean }) => {
      const choice = await protocolFrom(opts);
      const count = countFlag(opts.n, '--n', { example: '500' });
      const source = await openImageData(opts.data);
      const stderr = io.stderr ?? process.stderr;
      const skips = new SkippedImages({
        strict: opts.strict === true,
        onSkip: (skip) => stderr.write(`warning: ${describeSkip(skip)}; skipped\n`),
      });
      const set = await writeChallengeSet(evalPlan(source, { ...choice, skips }), opts.out, {
        count,
        seed: opts.seed,
      });
      const positives = set.entries.filter((e) => e.label === 1).length;
      (io.stdout ?? process.stdout).write(
        `Wrote ${set.entries.length} protocol ${choice.protocol} challenges (${positives} roadwork) to ${opts.out} (seed ${opts.seed})\n` +
          (skips.count > 0 ? `${skips.summary()}\n` : ''),
      );
    });
}
