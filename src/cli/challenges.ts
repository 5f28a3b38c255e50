/** `roadwork challenges`: writes a fixed, reusable challenge set (JPEGs and a JSONL manifest) to disk. */
import { Command } from 'commander';
import { RoadworkError } from '../errors/index.js';
import { openImageData, type OutputStream } from '../eval/index.js';
import { writeChallengeSet } from '../validator/index.js';

const HELP = `
Draws N challenges exactly as roadwork eval does with the same --data and --seed (balanced labels,
the four augmentation levels, 224×224 JPEG at quality 75) and writes them to --out: 000000.jpg, …
and challenges.jsonl (a header line, then one line per challenge: i, file, label, level, group,
source, params). roadwork eval --data OUT replays the set as is, without augmenting again.
See docs/eval.md.`;

/** Builds the `challenges` command; `stdout` is where the summary goes (tests pass their own). */
export function challengesCommand(io: { readonly stdout?: OutputStream } = {}): Command {
  return new Command('challenges')
    .description('Write a fixed challenge set (one JPEG per challenge and a manifest) for repeatable evals')
    .requiredOption('--data <dir>', 'images (pos/ neg/ or manifest.csv), NATIX parquet, or synth[:N]')
    .requiredOption('--n <n>', 'number of challenges')
    .requiredOption('--out <dir>', 'a new or empty folder for the set')
    .option('--seed <seed>', 'seed of the challenge sequence (as roadwork eval --seed)', 'eval')
    .addHelpText('after', HELP)
    .action(async (opts: { data: string; n: string; out: string; seed: string }) => {
      const count = Number(opts.n);
      if (!Number.isInteger(count) || count < 1) {
        throw new RoadworkError('ERR_CONFIG_INVALID', `Invalid --n: ${opts.n}. Give an integer ≥ 1.`);
      }
      const source = await openImageData(opts.data);
      const set = await writeChallengeSet(source, opts.out, { count, seed: opts.seed });
      const positives = set.entries.filter((e) => e.label === 1).length;
      (io.stdout ?? process.stdout).write(
        `Wrote ${set.entries.length} challenges (${positives} roadwork) to ${opts.out} (seed ${opts.seed})\n`,
      );
    });
}
