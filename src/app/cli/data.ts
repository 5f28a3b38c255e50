/** `roadwork data`: ingest labelled images as checked, content-addressed versions; list, show, export, generate. */
import { stat } from 'node:fs/promises';
import { Command } from 'commander';
import {
  addDataset,
  exportDataset,
  formatReport,
  getDataset,
  listDatasets,
} from '../../data/datasets/index.js';
import { writeDirAtomic, writeFileAtomic } from '../../core/files/index.js';
import { resolveId, type Store } from '../../core/store/index.js';
import { folderLayout, noLabelledData } from '../../data/sources/index.js';
import { countFlag, numberFlag } from './_number-flag.js';
import { addSettingOptions, settingsFrom } from './_settings.js';
import { withStore } from './_store.js';
import { generateCommand } from './_data-generate.js';

/** Dataset versions are looked up by id or unique prefix, as model versions are. */
const DATASET_IDS = Object.freeze({
  table: 'datasets',
  column: 'version',
  what: 'dataset version',
  list: 'roadwork data list',
});

function datasetId(store: Store, id: string): string {
  return resolveId(store, id, DATASET_IDS);
}

/**
 * Refuses a folder that holds neither layout before the readers run: the parquet reader would
 * otherwise answer for an empty image folder with "No .parquet files".
 */
async function requireData(path: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory() && (await folderLayout(path)) === 'none') throw noLabelledData(path);
}

/** Builds the `data` command. */
export function dataCommand(env: Record<string, string | undefined>): Command {
  const command = new Command('data').description(
    'Datasets: add (check and store labelled images as a version), list, show, export, generate',
  );
  const sub = (name: string, description: string) =>
    addSettingOptions(command.command(name).description(description), ['data_dir', 'log.level']);
  sub('add', 'ingest a pos/neg folder (optional manifest.csv) or NATIX parquet as a dataset version')
    .argument('<path>', 'image folder, .parquet file or folder of parquet files')
    .requiredOption('--name <name>', 'a name for people (versions are ids by content)')
    .option('--min-side <px>', 'leave out images with a shorter side below this', '64')
    .option('--hamming <bits>', 'pHash distance at or below which images are near duplicates', '6')
    .option('--report <file>', 'also write the check report as JSON')
    .action(async (path: string, opts: Record<string, unknown>) => {
      const settings = settingsFrom(opts, env);
      await requireData(path);
      const report = await withStore(settings, (ctx) =>
        addDataset(path, ctx, {
          name: String(opts.name),
          minSide: countFlag(opts.minSide, '--min-side', { example: '64' }),
          hamming: numberFlag(opts.hamming, '--hamming', { min: 0, integer: true, example: '6' }),
          onProgress: (done, total) => {
            if (done % 200 === 0 || done === total) process.stderr.write(`  checked ${done}/${total}\n`);
          },
        }),
      );
      if (typeof opts.report === 'string')
        await writeFileAtomic(opts.report, `${JSON.stringify(report, null, 2)}\n`);
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
    .argument('<version>', 'a version id or a unique prefix of one')
    .option('--json', 'print everything as JSON')
    .action(async (version: string, opts: Record<string, unknown>) => {
      await withStore(settingsFrom(opts, env), ({ store }) => {
        const d = getDataset(store, datasetId(store, version));
        if (opts.json) process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
        else process.stdout.write(formatReport({ ...d.report, created: true }));
      });
    });
  sub('export', 'write a version as pos/ and neg/ folders with manifest.csv (for roadwork train and eval)')
    .argument('<version>', 'a version id or a unique prefix of one')
    .requiredOption(
      '--out <dir>',
      'a new or empty folder to write (filled beside it and renamed, so it never mixes in stale files)',
    )
    .action(async (version: string, opts: Record<string, unknown>) => {
      const out = String(opts.out);
      const { files } = await withStore(settingsFrom(opts, env), (ctx) => {
        const id = datasetId(ctx.store, version);
        return writeDirAtomic(out, (tmp) => exportDataset(id, tmp, ctx), {
          what: 'export',
          flag: '--out folder',
        });
      });
      process.stdout.write(`Wrote ${files} images and manifest.csv to ${String(opts.out)}\n`);
    });
  command.addCommand(generateCommand());
  return command;
}
