/** `roadwork data`: ingest labelled images as checked, content-addressed versions; list, show, export, generate. */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { addDataset, exportDataset, formatReport, getDataset, listDatasets } from '../data/index.js';
import { RoadworkError } from '../errors/index.js';
import { addSettingOptions, settingsFrom } from './_settings.js';
import { withStore } from './_store.js';
import { generateCommand } from './_data-generate.js';

function intOption(name: string, value: unknown, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid ${name}: ${String(value)}; give a whole number ≥ ${min}.`,
    );
  }
  return n;
}

/** Builds the `data` command. */
export function dataCommand(env: Record<string, string | undefined>): Command {
  const command = new Command('data').description(
    'Datasets: ingest and check labelled images, list, show, export',
  );
  const sub = (name: string, description: string) =>
    addSettingOptions(command.command(name).description(description));
  sub('add', 'ingest a pos/neg folder (optional manifest.csv) or NATIX parquet as a dataset version')
    .argument('<path>', 'image folder, .parquet file or folder of parquet files')
    .requiredOption('--name <name>', 'a name for people (versions are ids by content)')
    .option('--min-side <px>', 'leave out images with a shorter side below this', '64')
    .option('--hamming <bits>', 'pHash distance at or below which images are near duplicates', '6')
    .option('--report <file>', 'also write the check report as JSON')
    .action(async (path: string, opts: Record<string, unknown>) => {
      const settings = settingsFrom(opts, env);
      const report = await withStore(settings, (ctx) =>
        addDataset(path, ctx, {
          name: String(opts.name),
          minSide: intOption('--min-side', opts.minSide, 1),
          hamming: intOption('--hamming', opts.hamming, 0),
          onProgress: (done, total) => {
            if (done % 200 === 0 || done === total) process.stderr.write(`  checked ${done}/${total}\n`);
          },
        }),
      );
      if (typeof opts.report === 'string')
        await writeFile(opts.report, `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(formatReport(report));
    });
  sub('list', 'list the stored dataset versions').action(async (opts: Record<string, unknown>) => {
    await withStore(settingsFrom(opts, env), ({ store }) => {
      for (const d of listDatasets(store)) {
        process.stdout.write(
          `${d.version}  ${new Date(d.createdAt).toISOString()}  ${String(d.images).padStart(6)} images (${d.positives} roadwork)  ${d.name}  ${d.source}\n`,
        );
      }
    });
  });
  sub('show', 'show a dataset version: counts, checks and (with --json) every file')
    .argument('<version>')
    .option('--json', 'print everything as JSON')
    .action(async (version: string, opts: Record<string, unknown>) => {
      await withStore(settingsFrom(opts, env), ({ store }) => {
        const d = getDataset(store, version);
        if (opts.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
        else process.stdout.write(formatReport({ ...d.report, created: true }));
      });
    });
  sub('export', 'write a version as pos/ and neg/ folders with manifest.csv (for roadwork train and eval)')
    .argument('<version>')
    .requiredOption('--out <dir>', 'the folder to write')
    .action(async (version: string, opts: Record<string, unknown>) => {
      const { files } = await withStore(settingsFrom(opts, env), (ctx) =>
        exportDataset(version, String(opts.out), ctx),
      );
      process.stdout.write(`Wrote ${files} images and manifest.csv to ${String(opts.out)}\n`);
    });
  command.addCommand(generateCommand());
  return command;
}
