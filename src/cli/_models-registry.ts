// `roadwork models register|versions|production|promote|rollback|diff`: the model registry from the CLI.
import { addProtocolOptions, protocolFrom } from './_protocol-flags.js';
import type { Command } from 'commander';
import { runtimeContextFor } from '../app/index.js';
import { RoadworkError } from '../errors/index.js';
import { DEFAULT_SYNTH_IMAGES, openEvalData } from '../eval/index.js';
import { createLogger } from '../log/index.js';
import {
  cascadeFileOf,
  challengeEvaluator,
  diffVersions,
  getVersion,
  listVersions,
  productionHistory,
  productionVersion,
  promoteVersion,
  registerBundle,
  rollbackProduction,
} from '../registry/index.js';
import { addSettingOptions, settingsFrom } from './_settings.js';
import { withStore } from './_store.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
/** The gate's default seed: fixed, so every promotion is judged on the same challenges. */
const GATE_SEED = 'roadwork-promotion-gate';

/** Adds the registry subcommands to `models`. */
export function addRegistryCommands(command: Command, env: Record<string, string | undefined>): void {
  const sub = (name: string, description: string) =>
    addSettingOptions(command.command(name).description(description));
  sub('register', 'verify a model bundle and record it as a version')
    .argument('<bundle-dir>')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      await withStore(settingsFrom(opts, env), async (ctx) => {
        const { version, created } = await registerBundle(dir, ctx);
        out(`${created ? 'Registered' : 'Already registered'} ${version.id} at ${version.dir}`);
      });
    });
  sub('versions', 'list registered model versions and the production history').action(
    async (opts: Record<string, unknown>) => {
      await withStore(settingsFrom(opts, env), ({ store }) => {
        const prod = productionVersion(store)?.id;
        for (const v of listVersions(store)) {
          const mcc = (v.manifest.metrics as { mcc?: unknown }).mcc;
          out(
            `${v.id === prod ? '*' : ' '} ${v.id}  ${v.createdAt}  data ${v.dataVersion ?? '-'}  parent ${v.parent ?? '-'}${typeof mcc === 'number' ? `  mcc ${mcc.toFixed(3)}` : ''}`,
          );
        }
        for (const e of productionHistory(store).slice(0, 10))
          out(`  ${new Date(e.at).toISOString()} ${e.action} ${e.version}`);
      });
    },
  );
  sub('production', 'print the production version, or with --path its cascade config (for serve)')
    .option('--path', 'print only the cascade config path: roadwork serve --cascade.config "$(...)"')
    .action(async (opts: Record<string, unknown>) => {
      await withStore(settingsFrom(opts, env), ({ store }) => {
        const v = productionVersion(store);
        if (v === undefined) {
          throw new RoadworkError(
            'ERR_VERSION_UNKNOWN',
            'No production model yet: none promoted. Run roadwork models promote <version>.',
          );
        }
        out(opts.path ? cascadeFileOf(v) : `${v.id} ${cascadeFileOf(v)}`);
      });
    });
  addProtocolOptions(
    sub('promote', 'make a version production if it beats production on a fixed challenge set'),
  )
    .argument('<version>')
    .option('--margin <mcc>', 'required MCC gain over production', '0.02')
    .option(
      '--challenges <spec>',
      'challenge set folder, image folder, parquet, or synth:N',
      `synth:${DEFAULT_SYNTH_IMAGES}`,
    )
    .option('--n <count>', 'challenges drawn when --challenges holds images', '400')
    .option('--seed <seed>', 'seed of the drawn challenges', GATE_SEED)
    .option('--force', 'skip the gate (recorded in the history)')
    .action(async (id: string, opts: Record<string, unknown>) => {
      const settings = settingsFrom(opts, env);
      const margin = Number(opts.margin);
      const count = Number(opts.n);
      if (!Number.isFinite(margin) || !Number.isInteger(count) || count < 2) {
        throw new RoadworkError(
          'ERR_CONFIG_INVALID',
          `Invalid --margin or --n: ${String(opts.margin)}, ${String(opts.n)}; give a number and a whole number ≥ 2.`,
        );
      }
      const logger = createLogger({ level: 'warn' });
      await withStore(settings, async (ctx) => {
        const evaluate = challengeEvaluator({
          source: await openEvalData(String(opts.challenges)),
          seed: String(opts.seed),
          count,
          ...(await protocolFrom(opts)),
          runtime: runtimeContextFor(settings, logger),
          logger,
        });
        const r = await promoteVersion(id, ctx, { evaluate, margin, force: opts.force === true });
        if (r.candidate && r.production) {
          out(
            `Gate passed: MCC ${r.candidate.mcc.toFixed(4)} vs production ${r.production.mcc.toFixed(4)} (margin ${margin}) on ${r.candidate.n} challenges`,
          );
        }
        out(
          `Production is now ${r.version.id}${r.previous ? ` (was ${r.previous.id})` : ''}${r.forced ? ', forced' : ''}`,
        );
        out(`Serve it with: roadwork serve --cascade.config ${cascadeFileOf(r.version)}`);
      });
    });
  sub('rollback', 'make the previous production version production again').action(
    async (opts: Record<string, unknown>) => {
      await withStore(settingsFrom(opts, env), (ctx) => {
        const { from, to } = rollbackProduction(ctx);
        out(
          `Production rolled back from ${from.id} to ${to.id}; restart serve with --cascade.config ${cascadeFileOf(to)}`,
        );
      });
    },
  );
  sub('diff', 'compare two versions: metrics, cascade config, files, lineage')
    .argument('<a>')
    .argument('<b>')
    .option('--json', 'print the diff as JSON')
    .action(async (a: string, b: string, opts: Record<string, unknown>) => {
      await withStore(settingsFrom(opts, env), async ({ store }) => {
        const diff = await diffVersions(getVersion(store, a), getVersion(store, b));
        if (opts.json) return out(JSON.stringify(diff, null, 2));
        out(`${diff.a} → ${diff.b}`);
        for (const [title, entries] of [
          ['metrics', diff.metrics],
          ['config', diff.config],
          ['lineage', diff.lineage],
        ] as const) {
          out(`${title}:${entries.length === 0 ? ' (same)' : ''}`);
          for (const e of entries)
            out(`  ${e.key}: ${JSON.stringify(e.a) ?? '-'} → ${JSON.stringify(e.b) ?? '-'}`);
        }
        out(`files:${diff.files.length === 0 ? ' (same)' : ''}`);
        for (const f of diff.files) out(`  ${f.change.padEnd(8)} ${f.path}`);
      });
    });
}
