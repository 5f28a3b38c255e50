// `roadwork models register|versions|production|promote|rollback|canary|diff`: the model registry from the CLI.
import { addProtocolOptions, protocolFrom } from './_protocol-flags.js';
import type { Command } from 'commander';
import { runtimeContextFor } from '../miner/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { createLogger } from '../../core/log/index.js';
import {
  GATE_SET_DIR,
  cascadeFileOf,
  challengeEvaluator,
  diffVersions,
  ensureProduction,
  getVersion,
  listVersions,
  openGateSet,
  productionHistory,
  productionVersion,
  promoteVersion,
  registerBundle,
  rollbackProduction,
  type PromotionResult,
  currentCanary,
  startCanary,
  stopCanary,
  type DiffEntry,
  type ModelVersion,
} from '../../lifecycle/registry/index.js';
import { pairRepeats, spreadText, type PairedRepeats } from '../../lifecycle/train/index.js';
import { numberFlag } from './_number-flag.js';
import { MODEL_SETTINGS, addSettingOptions, settingsFrom } from './_settings.js';
import { withStore, type StoreContext } from './_store.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);
/** The gate's default seed: fixed, so every promotion is judged on the same challenges. */
const GATE_SEED = 'roadwork-promotion-gate';
/** `+` before a difference of zero or more (a negative one has its own sign). */
const sign = (x: number) => (x >= 0 ? '+' : '');

/**
 * Runs `fn` with the registry open, its production seeded with the bundled starter the first time
 * (what serve runs when nothing was promoted), so a promotion always has the served model to beat.
 */
export async function withRegistry<T>(
  settings: Settings,
  fn: (ctx: StoreContext) => Promise<T> | T,
): Promise<T> {
  return withStore(settings, async (ctx) => {
    const seeded = await ensureProduction(ctx);
    if (seeded)
      err(
        `Registered the bundled starter as ${seeded.id} and made it production: it is what serve runs when nothing was promoted.`,
      );
    return fn(ctx);
  });
}

/** What a gated promotion takes besides the version: `opts` holds the promote flags (challenges, seed, protocol, force). */
export interface GateNumbers {
  readonly margin: number;
  readonly count: number;
}

/** `--margin` and `--n` checked. */
export function gateNumbers(opts: Record<string, unknown>): GateNumbers {
  return {
    margin: numberFlag(opts.margin, '--margin', { example: '0.02' }),
    count: numberFlag(opts.n, '--n', { min: 2, integer: true, example: '400' }),
  };
}

/** The gate's flags, as `models promote` and `retrain` offer them. */
export function addGateOptions(command: Command): Command {
  return addProtocolOptions(command)
    .option('--margin <mcc>', 'required MCC gain over production', '0.02')
    .option(
      '--challenges <spec>',
      `challenge set folder, image folder, parquet, or synth:N (default: the challenge set in <data_dir>/${GATE_SET_DIR} when one was written there, else synth:200 procedural scenes, with a warning: every model scores near chance on them)`,
    )
    .option('--n <count>', 'challenges drawn when --challenges holds images', '400')
    .option('--seed <seed>', 'seed of the drawn challenges', GATE_SEED);
}

/**
 * Promotes `id` through the gate, as `roadwork models promote` does: the challenge set (`--challenges`,
 * else the data folder's gate set, else procedural scenes with a warning) scores the candidate and
 * production; `--force` skips it (recorded). Throws ERR_PROMOTION_REFUSED when the candidate does not win.
 */
export async function promoteThroughGate(
  settings: Settings,
  ctx: StoreContext,
  id: string,
  opts: Record<string, unknown>,
  numbers: GateNumbers,
  log: (line: string) => void,
): Promise<PromotionResult> {
  const logger = createLogger({ level: 'warn' });
  const force = opts.force === true;
  // Promoting production again changes nothing: no gate set to open, no warning to give.
  const current = productionVersion(ctx.store)?.id === getVersion(ctx.store, id).id;
  const gate =
    force || current
      ? undefined
      : await openGateSet(typeof opts.challenges === 'string' ? opts.challenges : undefined, ctx.dataDir);
  if (gate?.warning) log(`\nWARNING: ${gate.warning}\n`);
  if (force) log('WARNING: --force skips the promotion gate; the history records it as forced.');
  const evaluate = gate
    ? challengeEvaluator({
        source: gate.source,
        seed: String(opts.seed ?? GATE_SEED),
        count: numbers.count,
        ...(await protocolFrom(opts)),
        runtime: runtimeContextFor(settings, logger),
        logger,
        progress: process.stderr,
      })
    : undefined;
  return promoteVersion(id, ctx, {
    ...(evaluate && { evaluate }),
    margin: numbers.margin,
    force,
    ...(gate && { gate: gate.spec }),
    log,
  });
}

/** How a production event reads in `models versions`: forced, the starter, or the gate's numbers. */
function eventNote(detail: unknown): string {
  const d = (detail ?? {}) as {
    forced?: boolean;
    starter?: boolean;
    gate?: string;
    candidate?: { mcc: number; n: number };
    production?: { mcc: number };
  };
  if (d.starter) return '  (the bundled starter)';
  if (d.forced) return '  (forced: --force, gate skipped)';
  if (d.candidate && d.production)
    return `  (gate MCC ${d.candidate.mcc.toFixed(4)} vs ${d.production.mcc.toFixed(4)} on ${d.candidate.n}${d.gate ? ` of ${d.gate}` : ''})`;
  return '';
}

/** A diff value for people: numbers to 4 decimals, the change beside numbers. */
function diffLine(e: DiffEntry): string {
  const show = (v: unknown) =>
    typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toFixed(4))) : (JSON.stringify(v) ?? '-');
  const delta =
    typeof e.a === 'number' && typeof e.b === 'number'
      ? ` (${sign(e.b - e.a)}${Number((e.b - e.a).toFixed(4))})`
      : '';
  return `  ${e.key}: ${show(e.a)} → ${show(e.b)}${delta}`;
}

/**
 * The draw-by-draw comparison of two versions trained with `--repeats` or `--view-seeds`: only on the same data
 * (the same seeds on other data draw other folds).
 */
function pairedVersions(a: ModelVersion, b: ModelVersion): PairedRepeats | undefined {
  const paired = pairRepeats(a.manifest.metrics, b.manifest.metrics);
  if (paired === undefined || 'unpaired' in paired || a.dataVersion === b.dataVersion) return paired;
  return { unpaired: 'they were trained on different data, so their folds differ' };
}

function pairedLines(p: PairedRepeats): string[] {
  if ('unpaired' in p) return [`paired draws: none (${p.unpaired})`];
  const views = p.paired[0]?.byViews;
  return [
    `paired over ${p.draws} draws of the ${views ? `folds and views (${views.length} seeds of the views)` : 'folds'} (b − a per draw: mean ± sd [min, max]):`,
    ...p.paired.flatMap((d) => [
      `  ${d.name}: ${sign(d.difference.mean)}${spreadText(d.difference)}, b higher in ${d.higher} of ${p.draws}, lower in ${d.lower}`,
      ...(d.byViews
        ? [
            `    by views: ${d.byViews.map((v) => `${v.views} ${sign(v.mean)}${v.mean.toFixed(3)} (${v.higher} higher, ${v.lower} lower)`).join('; ')}`,
          ]
        : []),
    ]),
  ];
}

/** Adds the registry subcommands to `models`. */
export function addRegistryCommands(command: Command, env: Record<string, string | undefined>): void {
  const sub = (name: string, description: string) =>
    addSettingOptions(command.command(name).description(description), MODEL_SETTINGS);
  sub('register', 'verify a model bundle and record it as a version')
    .argument('<bundle-dir>')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      await withRegistry(settingsFrom(opts, env), async (ctx) => {
        const { version, created } = await registerBundle(dir, ctx);
        out(`${created ? 'Registered' : 'Already registered'} ${version.id} at ${version.dir}`);
      });
    });
  sub('versions', 'list registered model versions and the production history').action(
    async (opts: Record<string, unknown>) => {
      await withRegistry(settingsFrom(opts, env), ({ store }) => {
        const prod = productionVersion(store)?.id;
        for (const v of listVersions(store)) {
          const mcc = (v.manifest.metrics as { mcc?: unknown }).mcc;
          out(
            `${v.id === prod ? '*' : ' '} ${v.id}  ${v.createdAt}  data ${v.dataVersion ?? '-'}  parent ${v.parent ?? '-'}${typeof mcc === 'number' ? `  mcc ${mcc.toFixed(3)}` : ''}`,
          );
        }
        for (const e of productionHistory(store).slice(0, 10))
          out(`  ${new Date(e.at).toISOString()} ${e.action} ${e.version}${eventNote(e.detail)}`);
      });
    },
  );
  sub('production', 'print the production version, or with --path its cascade config (for serve)')
    .option('--path', 'print only the cascade config path: roadwork serve --cascade.config "$(...)"')
    .action(async (opts: Record<string, unknown>) => {
      await withRegistry(settingsFrom(opts, env), ({ store }) => {
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
  addGateOptions(sub('promote', 'make a version production if it beats production on a fixed challenge set'))
    .argument('<version>')
    .option('--force', 'skip the gate (recorded in the history)')
    .action(async (id: string, opts: Record<string, unknown>) => {
      const settings = settingsFrom(opts, env);
      const numbers = gateNumbers(opts);
      const margin = numbers.margin;
      await withRegistry(settings, async (ctx) => {
        const r = await promoteThroughGate(settings, ctx, id, opts, numbers, err);
        if (r.candidate && r.production) {
          out(
            `Gate passed: MCC ${r.candidate.mcc.toFixed(4)} vs production ${r.production.mcc.toFixed(4)} (margin ${margin}) on ${r.candidate.n} challenges`,
          );
        }
        out(
          r.unchanged
            ? `${r.version.id} is already production; nothing changed`
            : `Production is now ${r.version.id}${r.previous ? ` (was ${r.previous.id})` : ''}${r.forced ? ', forced (recorded in the history)' : ''}`,
        );
        out(`Serve it with: roadwork serve --cascade.config ${cascadeFileOf(r.version)}`);
      });
    });
  sub('rollback', 'make the previous production version production again').action(
    async (opts: Record<string, unknown>) => {
      await withRegistry(settingsFrom(opts, env), (ctx) => {
        const { from, to } = rollbackProduction(ctx);
        out(
          `Production rolled back from ${from.id} to ${to.id}; restart serve with --cascade.config ${cascadeFileOf(to)}`,
        );
      });
    },
  );
  sub(
    'canary',
    'serve a candidate version beside production for a share of images (a miner with registry.follow picks it up)',
  )
    .argument('[version]', 'the candidate (a version or unique prefix); none: show the canary')
    .option('--share <fraction>', 'share of images the candidate answers, in (0, 1]', '0.1')
    .option('--stop', 'stop the canary (production answers everything again)')
    .action(async (id: string | undefined, opts: Record<string, unknown>) => {
      await withRegistry(settingsFrom(opts, env), ({ store, clock }) => {
        if (opts.stop === true) {
          const stopped = stopCanary(store, clock);
          out(stopped ? `Canary ${stopped.version} stopped` : 'No canary was running');
          return;
        }
        if (id === undefined) {
          const c = currentCanary(store);
          out(
            c
              ? `Canary ${c.version} answers ${c.share * 100} % of images since ${new Date(c.since).toISOString()}`
              : 'No canary',
          );
          return;
        }
        // startCanary checks the share too; the flag is named here.
        const share = numberFlag(opts.share, '--share', { above: 0, max: 1, example: '0.1' });
        const c = startCanary(store, clock, id, share);
        out(
          `Canary ${c.version} answers ${c.share * 100} % of images (by perceptual hash) beside production ${productionVersion(store)?.id ?? '-'}.`,
        );
        err(
          `A miner serving with registry.follow switches within registry.poll_s; compare on roadwork_canary_answers_total{version}. Promote it (roadwork models promote ${c.version}) or stop it (--stop).`,
        );
      });
    });
  sub('diff', 'compare two versions: metrics, cascade config, files, lineage')
    .argument('<a>')
    .argument('<b>')
    .option('--json', 'print the diff as JSON')
    .action(async (a: string, b: string, opts: Record<string, unknown>) => {
      await withRegistry(settingsFrom(opts, env), async ({ store }) => {
        const [va, vb] = [getVersion(store, a), getVersion(store, b)];
        const diff = await diffVersions(va, vb);
        const paired = pairedVersions(va, vb);
        if (opts.json) return out(JSON.stringify({ ...diff, ...(paired ? { paired } : {}) }, null, 2));
        out(`${diff.a} → ${diff.b}`);
        for (const [title, entries] of [
          ['metrics', diff.metrics],
          ['config', diff.config],
          ['lineage', diff.lineage],
        ] as const) {
          out(`${title}:${entries.length === 0 ? ' (same)' : ''}`);
          for (const e of entries) out(diffLine(e));
        }
        out(`files:${diff.files.length === 0 ? ' (same)' : ''}`);
        for (const f of diff.files) out(`  ${f.change.padEnd(8)} ${f.path}`);
        if (paired) for (const line of pairedLines(paired)) out(line);
      });
    });
}
