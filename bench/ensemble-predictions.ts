// Experiment (not a test): heads trained by one command at several seeds of the views, served together
// as a `backbone-head` stage with `head: [a.json, b.json, …]` serves them (the mean of their calibrated
// logits). From each head's out-of-fold answers (`roadwork train --predictions`, one file per seed, or
// all of them from one `--view-seeds … --ensemble` run; a row's heads never saw its group or camera)
// it scores every head alone and the mean of all of them:
// MCC at 0.5 with a 95 % bootstrap interval over groups, and AUC, per protocol and slice.
// Usage: node --import tsx bench/ensemble-predictions.ts [--base N [--rest]] [--draws N] [--json F] p-train.csv p-s2.csv …
// --base N: the mean of the first N files is what is served now; it gets a column of its own, and a
// last column gives the mean of all minus it, with a paired 95 % bootstrap interval (the same groups
// drawn for both), so a change of stage is judged by its difference rather than by two overlapping
// intervals. With --rest, the mean of the files after the first N takes the place of the mean of all
// (one stage in place of the other, not added to it).
// --json F also writes the mean's numbers per slice as JSON (n, roadwork, MCC with its interval,
// accuracy, AUC). --metrics F --route R --stage S puts the same numbers into a cascade's metrics file
// (models/starter/metrics.json) as route R's, served by stage S, keeping its other routes; the file's
// top-level mcc, accuracy and auc are the 2.0.4 route's split CV.
// --draws N: the files of `roadwork train --predictions … --repeats N` hold the first draw of the folds,
// and `p.draw2.csv` … beside each the others; each draw is scored as above (the same files, draw K's
// answers), and with --base a last table gives the paired difference on each draw and their mean: a
// change that gains on one draw and loses on the next is which cameras shared a fold, not a better
// stage (models/starter/EXPERIMENTS.md, "Sessions 35, 36"). --json and --metrics take the first draw's.
// Slices: split CV (all, per kind of camera); the proxy's in-car headline, its roadwork against each
// family of ordinary in-car frames (KITTI, CamVid, highway), and web photos; last, the in-car proxy
// with those families weighing the same (the mean of the pairs' MCCs, accuracies and AUCs: the
// headline pools them, so the family with the most frames, CamVid on the starter's data, decides it).
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import {
  bootstrapByGroup,
  bootstrapUnit,
  mcc,
  meanOfLogits,
  meanOverPairs,
  scores,
} from '../src/lifecycle/train/index.js';
import { fileOfDraw, readPredictions, requireSameRows, type PredictionRow } from './_predictions.js';

const { values: flags, positionals: files } = parseArgs({
  options: {
    base: { type: 'string' },
    rest: { type: 'boolean' },
    json: { type: 'string' },
    metrics: { type: 'string' },
    route: { type: 'string' },
    stage: { type: 'string' },
    draws: { type: 'string' },
  },
  allowPositionals: true,
});
if (files.length < 2) throw new Error('give two or more prediction files (roadwork train --predictions)');
const baseCount = flags.base === undefined ? undefined : Number(flags.base);
if (baseCount !== undefined && !(Number.isInteger(baseCount) && baseCount >= 1 && baseCount < files.length))
  throw new Error(
    `--base ${flags.base}: give how many of the first files the served stage holds (1 to ${files.length - 1})`,
  );
if (flags.rest === true && baseCount === undefined) throw new Error('--rest needs --base N');
if (flags.metrics !== undefined && !(flags.route !== undefined && flags.stage !== undefined))
  throw new Error('--metrics needs --route (2.0.4 or 0.4) and --stage (the stage that serves these heads)');
const drawCount = flags.draws === undefined ? 1 : Number(flags.draws);
if (!(Number.isInteger(drawCount) && drawCount >= 1))
  throw new Error(`--draws ${flags.draws}: give how many draws of the folds the files hold (--repeats)`);
const read = (some: readonly string[]) => readPredictions(some, drawCount);
const rows = (await read(files.slice(0, 1)))[0]!;

type Row = PredictionRow;
const slices: [string, (r: Row) => boolean][] = [
  ['cv all', (r) => r.protocol === 'cv'],
  ['cv in-car', (r) => r.protocol === 'cv' && r.camera === 'in-car'],
  ['cv web', (r) => r.protocol === 'cv' && r.camera === 'web'],
  ['proxy in-car (headline)', (r) => r.protocol === 'proxy' && r.camera === 'in-car'],
];
const ordinary = new Set(
  rows.filter((r) => r.protocol === 'proxy' && r.camera === 'in-car' && r.label === '0'),
);
for (const family of new Set([...ordinary].map((r) => r.family)))
  slices.push([
    `proxy roadwork vs ${family}`,
    (r) => r.protocol === 'proxy' && r.camera === 'in-car' && (r.label === '1' || r.family === family),
  ]);
slices.push(['proxy web', (r) => r.protocol === 'proxy' && r.camera === 'web']);
// The in-car proxy's rows, and each `roadwork vs` pair's test, for the families-balanced row.
const incar = rows.flatMap((r, i) => (r.protocol === 'proxy' && r.camera === 'in-car' ? [i] : []));
const familyPairs = slices.filter(([name]) => name.startsWith('proxy roadwork vs ')).map(([, keep]) => keep);
const balancedName = 'proxy in-car, families balanced';

const otherName = `mean of ${flags.rest === true ? `last ${files.length - baseCount!}` : files.length}`;
const baseName = `mean of first ${baseCount}`;
const columns = [
  ...files.map((f) => basename(f)),
  otherName,
  ...(baseCount === undefined ? [] : [baseName, `${otherName} − ${baseName}`]),
];
// The answers at 0.5 of probabilities, and of a mean on the rows `idx`.
const decide = (ps: readonly number[]) => ps.map((v) => (v >= 0.5 ? 1 : 0));
const at = (ps: ArrayLike<number>, idx: readonly number[]) => decide(idx.map((i) => ps[i]!));
const signed = (v: number, digits: number) => `${v < 0 ? '−' : '+'}${Math.abs(v).toFixed(digits)}`;
interface Score {
  readonly mcc: { readonly value: number };
  readonly accuracy: number;
  readonly auc: number;
}
type Summary = Record<string, Score & { readonly n: number; readonly roadwork: number }>;
interface Interval {
  readonly value: number;
  readonly lo: number;
  readonly hi: number;
}
const intervalText = (d: Interval) => `${signed(d.value, 3)} [${signed(d.lo, 2)}, ${signed(d.hi, 2)}]`;

/** Prints one draw's table; returns its mean's scores and, with --base, each slice's paired difference. */
async function scoreDraw(names: readonly string[]) {
  // The first draw's first file is `rows`, already read.
  const runs = names[0] === files[0] ? [rows, ...(await read(names.slice(1)))] : await read(names);
  requireSameRows(runs, names, rows, files[0]!);
  // The mean in log-odds: each file's p is its head's calibrated probability.
  const meanOf = (some: typeof runs) => meanOfLogits(some.map((run) => run.map((r) => Number(r.p))));
  const other = meanOf(flags.rest === true ? runs.slice(baseCount) : runs);
  const base = baseCount === undefined ? undefined : meanOf(runs.slice(0, baseCount));
  // Every scored column's probabilities: each file, the mean (of all, or of the rest), the base's mean.
  const scored: ArrayLike<number>[] = [
    ...runs.map((run) => run.map((r) => Number(r.p))),
    other,
    ...(base === undefined ? [] : [base]),
  ];
  console.log(['slice', 'n', ...names.map((f) => basename(f)), ...columns.slice(files.length)].join('\t'));
  const summary: Summary = {};
  const paired: Record<string, Interval> = {};
  for (const [name, keep] of slices) {
    const idx = rows.flatMap((r, i) => (keep(r) ? [i] : []));
    const y = idx.map((i) => Number(rows[i]!.label));
    // The proxy resamples drives, and web photos one by one, as `roadwork train` does.
    const groups = idx.map((i) => {
      const { protocol, group, image } = rows[i]!;
      return protocol === 'proxy' ? bootstrapUnit({ group: group!, image: image! }) : group!;
    });
    const byColumn = scored.map((ps) => {
      const p = idx.map((i) => ps[i]!);
      const e = bootstrapByGroup({ p, y, groups }, (drawn, ys) => mcc(decide(drawn), ys));
      const { accuracy, auc } = scores(p, y);
      return { mcc: e, accuracy, auc };
    });
    const cells = byColumn.map((s) => {
      const interval =
        new Set(groups).size < 2 ? '[one group]' : `[${s.mcc.lo.toFixed(2)}, ${s.mcc.hi.toFixed(2)}]`;
      return `${s.mcc.value.toFixed(3)} ${interval} (${s.auc.toFixed(3)})`;
    });
    summary[name] = {
      n: idx.length,
      roadwork: y.filter((v) => v === 1).length,
      ...byColumn[runs.length]!,
    };
    if (base !== undefined) {
      // Paired: each draw of groups scores both means on the same rows (positions into `idx`).
      const d = bootstrapByGroup({ p: idx.map((_, k) => k), y, groups }, (ks, ys) => {
        const drawn = ks.map((k) => idx[k]!);
        return mcc(at(other, drawn), ys) - mcc(at(base, drawn), ys);
      });
      paired[name] = d;
      cells.push(intervalText(d));
    }
    console.log([name, idx.length, ...cells].join('\t'));
  }
  if (familyPairs.length > 1) {
    const { cells, byColumn, d } = balancedRow(scored, other, base);
    summary[balancedName] = {
      n: incar.length,
      roadwork: incar.filter((i) => rows[i]!.label === '1').length,
      ...byColumn[runs.length]!,
    };
    if (d !== undefined) paired[balancedName] = d;
    console.log([balancedName, incar.length, ...cells].join('\t'));
  }
  return { summary, paired };
}

/**
 * The in-car proxy with every ordinary family weighing the same: the mean of the `roadwork vs`
 * pairs' MCCs (the headline pools them, so the family with the most frames decides it), as
 * `roadwork train` scores it. Bootstrap as the headline's: drives of the in-car rows resampled, each
 * pair scored on those it holds.
 */
function balancedRow(
  scored: readonly ArrayLike<number>[],
  other: ArrayLike<number>,
  base?: ArrayLike<number>,
) {
  const y = incar.map((i) => Number(rows[i]!.label));
  const groups = incar.map((i) => bootstrapUnit({ group: rows[i]!.group!, image: rows[i]!.image! }));
  const positions = incar.map((_, k) => k);
  const inPair = familyPairs.map((keep) => Uint8Array.from(incar, (i) => (keep(rows[i]!) ? 1 : 0)));
  // One column's pairs' mean on the drawn positions (into `incar`).
  const balanced = (ps: ArrayLike<number>) => {
    const own = incar.map((i) => ps[i]!);
    return (ks: readonly number[]) => meanOverPairs(own, y, inPair, ks);
  };
  const byColumn = scored.map((ps) => {
    const of = balanced(ps);
    const e = bootstrapByGroup({ p: positions, y, groups }, (ks) => of(ks).mcc);
    const { accuracy, auc } = of(positions);
    return { mcc: e, accuracy, auc };
  });
  const cells = byColumn.map(
    ({ mcc: e, auc: a }) =>
      `${e.value.toFixed(3)} [${e.lo.toFixed(2)}, ${e.hi.toFixed(2)}] (${a.toFixed(3)})`,
  );
  if (base === undefined) return { cells, byColumn };
  const [ofOther, ofBase] = [balanced(other), balanced(base)];
  const d = bootstrapByGroup({ p: positions, y, groups }, (ks) => ofOther(ks).mcc - ofBase(ks).mcc);
  cells.push(intervalText(d));
  return { cells, byColumn, d };
}

const results = [];
for (let k = 1; k <= drawCount; k++) {
  if (drawCount > 1) console.log(`${k === 1 ? '' : '\n'}# draw ${k} of the folds`);
  results.push(await scoreDraw(files.map((f) => fileOfDraw(f, k))));
}
const summary = results[0]!.summary;
if (drawCount > 1 && baseCount !== undefined) {
  // The paired difference on each draw, and their mean: what a stage change is judged by.
  console.log(`\n# ${columns.at(-1)}, by draw of the folds`);
  console.log(['slice', ...results.map((_, k) => `draw ${k + 1}`), 'mean'].join('\t'));
  for (const name of [...slices.map(([n]) => n), ...(familyPairs.length > 1 ? [balancedName] : [])]) {
    const ds = results.map((r) => r.paired[name]!);
    const mean = ds.reduce((sum, d) => sum + d.value, 0) / ds.length;
    console.log([name, ...ds.map(intervalText), signed(mean, 3)].join('\t'));
  }
}
// Four decimals are more than the intervals can tell apart.
const rounded = (_: string, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(4)) : v);
const json = (v: unknown) => `${JSON.stringify(v, rounded, 2)}\n`;
if (typeof flags.json === 'string')
  await writeFile(
    flags.json,
    json({ files: columns.slice(0, files.length), mean: otherName, slices: summary }),
  );
if (typeof flags.metrics === 'string') {
  type Metrics = { routes?: Record<string, { slices: Record<string, Score> }> };
  const old = await readFile(flags.metrics, 'utf8').then(
    (text) => JSON.parse(text) as Metrics,
    (e: NodeJS.ErrnoException): Metrics | Promise<never> => (e.code === 'ENOENT' ? {} : Promise.reject(e)),
  );
  const routes = { ...old.routes, [flags.route!]: { stage: flags.stage!, mean: otherName, slices: summary } };
  const cv = routes['2.0.4']?.slices['cv all'];
  await writeFile(
    flags.metrics,
    json({
      measured:
        "each route's stage as it serves: the mean of its heads' calibrated logits, scored from their out-of-fold answers (bench/ensemble-predictions.ts --metrics; MODEL_CARD.md, Metrics); mcc, accuracy and auc: the 2.0.4 stage's split CV",
      ...(cv ? { mcc: cv.mcc.value, accuracy: cv.accuracy, auc: cv.auc } : {}),
      routes,
    }),
  );
}
