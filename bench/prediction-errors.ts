// Experiment (not a test): where a stage of heads goes wrong, from their out-of-fold answers
// (`roadwork train --predictions`, one file per head; the stage answers the mean of their logits, as
// `head: [a.json, b.json, …]` serves them). Per protocol (`cv`, `proxy`), family and label: how many
// views the stage calls roadwork, how many images it gets wrong in most of their views, and the
// worst images (share of views wrong, mean logit) to open first. Then, per camera kind, MCC at
// decision logits −1 … +3 (the shipped cut is 0), plain and with the classes weighing the same (what
// the decision shift optimises; a kind with few positives, such as web photos, prefers a higher cut
// on plain MCC for its prior alone): how much a threshold of that kind's own would gain. The cut is
// chosen on the rows it scores, so its gain is an upper bound.
// Usage: node --import tsx bench/prediction-errors.ts [--worst 8] [--draw K] p.csv p-s2.csv …
// --draw K reads each file's draw K of the folds (`p.drawK.csv`, written by --repeats).
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { logit } from '../src/inference/heads/index.js';
import { mcc, meanOfLogits } from '../src/lifecycle/train/index.js';
import { fileOfDraw, readPredictions, requireSameRows } from './_predictions.js';

const { values: flags, positionals: files } = parseArgs({
  options: { worst: { type: 'string', default: '8' }, draw: { type: 'string', default: '1' } },
  allowPositionals: true,
});
const worst = Number(flags.worst);
const draw = Number(flags.draw);
if (files.length === 0) throw new Error('give one or more prediction files (roadwork train --predictions)');
if (!(Number.isInteger(worst) && worst >= 0)) throw new Error(`--worst ${flags.worst}: give a count`);
if (!(Number.isInteger(draw) && draw >= 1)) throw new Error(`--draw ${flags.draw}: give a draw of the folds`);

const names = files.map((f) => fileOfDraw(f, draw));
const runs = await readPredictions(names, draw);
const rows = runs[0]!;
requireSameRows(runs, names, rows, names[0]!);
const p = meanOfLogits(runs.map((run) => run.map((r) => Number(r.p))));
const label = rows.map((r) => Number(r.label));
const wrong = (i: number) => (p[i]! >= 0.5 ? 1 : 0) !== label[i];
console.log(
  `# the mean of ${files.length} heads (${files.map((f) => `${basename(dirname(f))}/${basename(f)}`).join(' ')}), draw ${draw}`,
);

// Rows grouped by a key, in first-seen order.
function groupBy(idx: readonly number[], key: (i: number) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const i of idx) {
    const k = key(i);
    const members = out.get(k);
    if (members) members.push(i);
    else out.set(k, [i]);
  }
  return out;
}

const all = rows.map((_, i) => i);
for (const [slice, idx] of groupBy(all, (i) => `${rows[i]!.protocol} ${rows[i]!.family} label ${label[i]}`)) {
  const images = [...groupBy(idx, (i) => rows[i]!.image!)].map(([image, views]) => ({
    image,
    wrong: views.filter(wrong).length / views.length,
    logit: views.reduce((s, i) => s + logit(p[i]!), 0) / views.length,
  }));
  const called = idx.filter((i) => p[i]! >= 0.5).length / idx.length;
  const mostly = images.filter((m) => m.wrong > 0.5).length;
  console.log(
    `\n${slice}: ${idx.length} views, ${(100 * called).toFixed(0)} % called roadwork; ` +
      `${mostly} of ${images.length} images wrong in most of their views`,
  );
  const sorted = images.sort(
    (a, b) => b.wrong - a.wrong || (label[idx[0]!] ? a.logit - b.logit : b.logit - a.logit),
  );
  for (const m of sorted.slice(0, worst).filter((m) => m.wrong > 0))
    console.log(`  ${m.wrong.toFixed(2)} wrong, mean logit ${m.logit.toFixed(2)}  ${m.image}`);
}

const cuts = [-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3];
console.log(`\n# MCC at decision logits ${cuts.join(' ')} (plain / classes weighing the same)`);
for (const [slice, idx] of groupBy(all, (i) => `${rows[i]!.protocol} ${rows[i]!.camera}`)) {
  const y = idx.map((i) => label[i]!);
  const positives = y.filter((v) => v === 1).length;
  if (positives === 0 || positives === y.length) continue;
  const w = y.map((v) => (v === 1 ? 0.5 / positives : 0.5 / (y.length - positives)));
  const at = (t: number) => idx.map((i) => (logit(p[i]!) >= t ? 1 : 0));
  const cells = cuts.map((t) => `${mcc(at(t), y).toFixed(3)}/${mcc(at(t), y, w).toFixed(3)}`);
  console.log([slice, ...cells].join('\t'));
}
