/** `roadwork queries`: what the miner's query log holds (stats), exporting it, and applying retention. */
import { Command, Option } from 'commander';
import { systemClock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import { writeDirAtomic } from '../../core/files/index.js';
import {
  EXPORT_FORMATS,
  exportQueries,
  openQueryStore,
  pruneQueries,
  queryImagesDir,
  queryStats,
  rankHardCases,
  similarQueries,
  type ExportFormat,
  type QueryStats,
} from '../../lifecycle/querylog/index.js';
import { queryLogPlace, retentionFor } from '../miner/index.js';
import { addSettingOptions, settingsFrom, type SettingsUsed } from './_settings.js';
import { countFlag } from './_number-flag.js';
import { formatHardCases, formatSimilar } from './_queries-mining.js';

/** Where the query log is, and its retention. */
const QUERY_SETTINGS: SettingsUsed = Object.freeze(['data_dir', 'store.url', 'querylog.', 'log.level']);

type Out = { write(text: string): unknown };

/** Builds the `queries` command; `stdout` is for tests. */
export function queriesCommand(
  env: Record<string, string | undefined>,
  stdout: Out = process.stdout,
): Command {
  const command = new Command('queries').description(
    "The miner's query log: stats, hard cases, similar images, export (folders, csv, coco, fiftyone), prune",
  );
  const sub = (name: string, description: string) =>
    addSettingOptions(command.command(name).description(description), QUERY_SETTINGS);
  const withQueryStore = async <T>(
    opts: Record<string, unknown>,
    fn: (store: AsyncStore, settings: Settings) => Promise<T>,
  ) => {
    const settings = settingsFrom(opts, env);
    const store = await openQueryStore(queryLogPlace(settings));
    try {
      return await fn(store, settings);
    } finally {
      await store.close();
    }
  };
  sub('stats', 'counts: logged, labelled, by label, by validator, by version, by model, dropped')
    .option('--json', 'print the counts as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const stats = await withQueryStore(opts, (store) => queryStats(store));
      stdout.write(opts.json ? `${JSON.stringify(stats, null, 2)}\n` : formatStats(stats));
    });
  sub(
    'hard',
    'unlabelled images a label would teach most, with why: near the threshold, stages disagreeing, an embedding cluster the model gets wrong; near-duplicates collapsed',
  )
    .option('--limit <n>', 'most cases to list', '20')
    .option('--json', 'print the cases as JSON')
    .action(async (opts: Record<string, unknown>) => {
      const limit = countFlag(opts.limit, '--limit');
      const { cases, log } = await withQueryStore(opts, async (store) => {
        const ranked = await rankHardCases(store, { limit });
        // Counted only when there is nothing to list, to say why.
        return { cases: ranked, log: ranked.length === 0 ? await queryStats(store) : undefined };
      });
      stdout.write(opts.json ? `${JSON.stringify(cases, null, 2)}\n` : formatHardCases(cases, log));
    });
  sub('similar', 'the images nearest a logged request by embedding (cosine distance), nearest first')
    .argument('<id>', 'the request id (the id column of queries hard)')
    .option('--k <n>', 'how many neighbours', '12')
    .option('--json', 'print the neighbours as JSON')
    .action(async (idArg: string, opts: Record<string, unknown>) => {
      const id = countFlag(idArg, '<id>', { example: '42' });
      const k = countFlag(opts.k, '--k', { example: '12' });
      const near = await withQueryStore(opts, (store) => similarQueries(store, id, { k }));
      stdout.write(opts.json ? `${JSON.stringify(near, null, 2)}\n` : formatSimilar(id, near));
    });
  sub('export', 'write the logged images with their labels, one file per distinct image')
    .requiredOption(
      '--out <dir>',
      'a new or empty folder to write (filled beside it and renamed, so it never mixes in stale files)',
    )
    .addOption(
      new Option(
        '--format <format>',
        'folders: pos/, neg/ and manifest.csv (file,label,group) that roadwork train --data reads (labelled images only); csv: images/ and queries.csv; coco: images/ and annotations.json; fiftyone: data/ and labels.json (FiftyOneImageClassificationDataset)',
      )
        .choices(EXPORT_FORMATS)
        .default('folders'),
    )
    .option('--labelled-only', 'leave out images without a label')
    .action(async (opts: Record<string, unknown>) => {
      const out = String(opts.out);
      const result = await withQueryStore(opts, (store, settings) =>
        writeDirAtomic(
          out,
          (tmp) =>
            exportQueries(store, queryImagesDir(queryLogPlace(settings)), tmp, {
              format: opts.format as ExportFormat,
              labelledOnly: opts.labelledOnly === true,
            }),
          { what: 'export', flag: '--out folder' },
        ),
      );
      stdout.write(
        `Wrote ${result.images} images (${result.labelled} labelled) as ${String(opts.format)} to ${out}` +
          (result.skipped > 0 ? `; ${result.skipped} unlabelled left out` : '') +
          (result.missing > 0 ? `; ${result.missing} missing on disk` : '') +
          '\n',
      );
    });
  sub(
    'prune',
    'apply the retention limits now (querylog.max_entries, querylog.max_age_days, querylog.max_bytes) and remove image files no row names',
  ).action(async (opts: Record<string, unknown>) => {
    const r = await withQueryStore(opts, (store, settings) =>
      pruneQueries(store, queryImagesDir(queryLogPlace(settings)), {
        ...retentionFor(settings),
        nowMs: systemClock().nowMs(),
        sweep: true,
      }),
    );
    stdout.write(
      `Pruned ${r.queries} requests and ${r.images} images (${mib(r.bytes)}); removed ${r.orphans} files no row named\n`,
    );
  });
  return command;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function table(title: string, counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  if (entries.length === 0) return `${title}: none\n`;
  return `${title}:\n${entries.map(([k, n]) => `  ${String(n).padStart(8)}  ${k}`).join('\n')}\n`;
}

/** The counts as `roadwork queries stats` prints them. */
export function formatStats(s: QueryStats): string {
  const span =
    s.firstMs === undefined
      ? ''
      : ` from ${new Date(s.firstMs).toISOString()} to ${new Date(s.lastMs!).toISOString()}`;
  return (
    `Logged ${s.logged} requests${span}: ${s.images} distinct images, ${mib(s.bytes)}\n` +
    `Labelled ${s.labelled} of them; dropped ${s.dropped.full} (queue full) and ${s.dropped.error} (write failed) over the store's life\n` +
    table('By label', s.byLabel) +
    table('Labels by source', s.labelsBySource) +
    table('By validator', s.byValidator) +
    table('By dendrite version (generation)', s.byVersion) +
    table('By model version', s.byModel)
  );
}
