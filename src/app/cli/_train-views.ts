// `roadwork train --view-seeds` and `--ensemble`: the views of more seeds, and a head per seed.
import { basename, dirname, extname, join } from 'node:path';
import { RoadworkError } from '../../core/errors/index.js';
import { SkippedImages } from '../../data/sources/index.js';
import {
  embeddedRows,
  proxyTable,
  reportTable,
  splitGroups,
  type EmbeddingOptions,
  type EnsembleResult,
  type ViewSet,
} from '../../lifecycle/train/index.js';

/** `--view-seeds`: distinct seeds, none of them `--seed` (whose views the run has already). */
export function parseViewSeeds(value: unknown, seed: string): string[] {
  if (value === undefined) return [];
  const seeds = String(value)
    .split(',')
    .map((s) => s.trim());
  const bad = (why: string): never => {
    throw new RoadworkError('ERR_CONFIG_INVALID', `Invalid --view-seeds: ${String(value)}; ${why}`);
  };
  if (seeds.some((s) => s === '')) bad('give seeds separated by commas, e.g. s2,s3');
  if (new Set(seeds).size !== seeds.length) bad('a seed is given twice');
  if (seeds.includes(seed)) bad(`${seed} is --seed, whose views the run draws already`);
  return seeds;
}

/**
 * The same images' views under another seed, split as `--split-group` says for the grouped CV and
 * whole for the proxy. An image that cannot be read is skipped there too, without a second warning.
 */
export async function viewSet(
  embedding: EmbeddingOptions,
  seed: string,
  split: readonly string[],
): Promise<ViewSet> {
  const e = await embeddedRows({
    ...embedding,
    seed,
    // --seed's embedding has named (or, with --strict, refused) every unreadable image already.
    skips: new SkippedImages({ onSkip: () => {} }),
  });
  return {
    seed,
    rows: splitGroups(e.rows, split),
    extraViews: splitGroups(e.extra, split),
    ...(e.synthetic.length > 0 ? { synthetic: e.synthetic } : {}),
    proxy: { rows: e.rows, extraViews: e.extra },
  };
}

/**
 * A file beside `file` whose name adds `suffix` before the extension (`defaultExt` when `file` has
 * none): `besideFile('p.csv', '-s2')` is `p-s2.csv`, `besideFile('ens', '.draw2', '.csv')` `ens.draw2.csv`.
 */
function besideFile(file: string, suffix: string, defaultExt: string): string {
  const ext = extname(file);
  return `${join(dirname(file), basename(file, ext))}${suffix}${ext || defaultExt}`;
}

/**
 * `--ensemble`'s files, one per seed of the views: `out` for `--seed`'s, then `<out>-<seed><ext>`
 * beside it for each `--view-seeds` seed (`head-448.json`, `head-448-s2.json`; `p.csv`, `p-s2.csv`
 * for `--predictions`), with `ext` when `out` has none. Fails with ERR_CONFIG_INVALID on a seed
 * that cannot be part of a file name.
 */
export function ensembleFiles(out: string, seeds: readonly string[], defaultExt = '.json'): string[] {
  return seeds.map((seed, k) => {
    if (k === 0) return out;
    if (!/^[\w.-]+$/.test(seed) || seed.startsWith('.'))
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Invalid --view-seeds with --ensemble: ${seed}; each seed names its head file (${basename(besideFile(out, '-SEED', defaultExt))}), so use letters, digits, '.', '_' or '-'`,
      );
    return besideFile(out, `-${seed}`, defaultExt);
  });
}

/**
 * The file of a later draw of the folds (`--repeats`), beside `file` (the first draw's): `p.csv` →
 * `p.draw2.csv`, `p-s2.csv` → `p-s2.draw2.csv`, with `defaultExt` when `file` has none.
 */
export function drawFile(file: string, draw: number, defaultExt = '.csv'): string {
  return besideFile(file, `.draw${draw}`, defaultExt);
}

/** What `train` prints of an ensemble: the mean's grouped CV, its proxy headline and its exits. */
export function ensembleText(e: EnsembleResult, files: readonly string[], target: number): string {
  const h = e.proxy?.headline;
  const x = e.exits;
  return (
    `\nEnsemble of ${e.heads.length} heads, one per seed of the views (${e.seeds.join(', ')}); ` +
    `the mean of their calibrated logits, as the stage serves it:\n${reportTable(e.report)}\n` +
    (e.proxy
      ? `\nSame-camera proxy of the mean:\n${proxyTable(e.proxy)}\n` +
        (h
          ? `ensemble headline: ${h.kind} cameras MCC ${h.mcc.value.toFixed(3)} [${h.mcc.lo.toFixed(2)}, ${h.mcc.hi.toFixed(2)}], AUC ${h.auc?.value.toFixed(3) ?? '–'}\n`
          : '')
      : '') +
    (x
      ? `ensemble exits for accuracy ≥ ${target}: high ${x.high.toFixed(2)}, low ${x.low.toFixed(2)} (coverage ${x.coverage.toFixed(3)})\n`
      : `the ensemble reaches no exit band of accuracy ${target}\n`) +
    `Wrote ${files.join(', ')}\n`
  );
}

/** `--report`'s `ensemble` entry: the mean's grouped CV (its overall, levels, families, sweep), proxy and exits. */
export function ensembleReport(e: EnsembleResult | undefined): { ensemble?: Record<string, unknown> } {
  if (e === undefined) return {};
  const { synthetic: _s, ...report } = e.report;
  return { ensemble: { seeds: e.seeds, ...report, proxy: e.proxy, exits: e.exits ?? null } };
}
