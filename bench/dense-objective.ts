// Benchmark (not a test): a dense head's objective (`fitMlp`'s or `fitLogistic`'s loss and gradient,
// one evaluation is one pass over the rows) blocked over rows against the row-at-a-time loop it
// replaced, and the MLP's on the WebAssembly SIMD kernel against both, on random standardised rows at
// the fit's initial weights (an MLP's: about half the hidden units active; a logistic head's: random).
// Rounds rotate which goes first; the ratios are taken within a round. It also checks all give the
// same loss and gradient, bit for bit.
// Usage: node --import tsx bench/dense-objective.ts [--model mlp|logistic] [--rows 20000] [--cols 140]
//        [--hidden 32] [--evals 4] [--rounds 7]
// The colour/shape heads fit on about 22 000 rows of 140 columns; the starter's whole 2.0.4 rows
// have 1420 columns.
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/random/index.js';
import {
  blockedHiddenLayer,
  kernelLayer,
  logisticObjective,
  mlpObjective,
  rowwiseLogisticObjective,
  rowwiseMlpObjective,
  type MlpProblem,
  type Objective,
} from '../src/lifecycle/train/index.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'mlp' },
    rows: { type: 'string', default: '20000' },
    cols: { type: 'string', default: '140' },
    hidden: { type: 'string', default: '32' },
    evals: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '7' },
  },
});
const [rows, cols, hidden, evals, rounds] = [
  values.rows,
  values.cols,
  values.hidden,
  values.evals,
  values.rounds,
].map(Number) as [number, number, number, number, number];
const rng = createRng('bench-mlp-objective');
const problem: MlpProblem = {
  xs: Float64Array.from({ length: rows * cols }, () => rng.normal()),
  y: Uint8Array.from({ length: rows }, (_, r) => (r % 3 === 0 ? 1 : 0)),
  sw: new Float64Array(rows).fill(1 / rows),
  rows,
  cols,
  hidden,
  l2In: new Float64Array(cols).fill(0.01),
  l2: 0.01,
};
const mlp = values.model === 'mlp';
if (!mlp && values.model !== 'logistic') throw new Error(`--model mlp|logistic, not ${values.model}`);
const size = mlp ? hidden * cols + 2 * hidden + 1 : cols + 1;
const w = new Float64Array(size);
if (mlp) {
  for (let i = 0; i < hidden * cols; i++) w[i] = rng.normal() * Math.sqrt(2 / cols);
  for (let j = 0; j < hidden; j++) w[hidden * cols + hidden + j] = rng.normal() * Math.sqrt(1 / hidden);
} else for (let i = 0; i < cols; i++) w[i] = rng.normal() * Math.sqrt(1 / cols);

// The MLP's blocked objective on each hidden layer: JavaScript's, and the WebAssembly kernel's.
const kernel = mlp ? kernelLayer(problem.xs, rows, cols, hidden) : undefined;
if (mlp && kernel === undefined) throw new Error('the kernel could not get its memory');
const variants: Record<string, Objective> = mlp
  ? {
      'row at a time': rowwiseMlpObjective(problem),
      'blocked JS': mlpObjective(problem, blockedHiddenLayer(problem)),
      kernel: mlpObjective(problem, kernel),
    }
  : { 'row at a time': rowwiseLogisticObjective(problem), 'blocked JS': logisticObjective(problem) };
const names = Object.keys(variants);
const grads = Object.fromEntries(names.map((name) => [name, new Float64Array(size)]));
const losses = names.map((name) => variants[name]!(w, grads[name]!));
for (const [i, name] of names.entries()) {
  const same = losses[i] === losses[0] && grads[name]!.every((v, c) => Object.is(v, grads[names[0]!]![c]));
  if (!same) throw new Error(`${name} differs from the row-at-a-time objective`);
}

function msPerEval(name: string): number {
  const t0 = performance.now();
  for (let e = 0; e < evals; e++) variants[name]!(w, grads[name]!);
  return (performance.now() - t0) / evals;
}

// Each round runs the variants in another rotation; ratios are against the row-at-a-time loop and
// against the blocked JavaScript, within a round.
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const times = Object.fromEntries(names.map((name) => [name, [] as number[]]));
for (let r = 0; r < rounds; r++) {
  const order = names.map((_, i) => names[(i + r) % names.length]!);
  for (const name of order) times[name]!.push(msPerEval(name));
}
const ratio = (name: string, base: string) => {
  const rs = times[name]!.map((t, i) => times[base]![i]! / t);
  return `×${median(rs).toFixed(2)} [${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)}]`;
};
console.log(
  `${values.model}: ${rows} rows × ${cols} columns${mlp ? `, ${hidden} hidden units` : ''}; ` +
    `${evals} evaluations a cell, ${rounds} rounds; loss and gradient identical across variants`,
);
for (const name of names) {
  const speedUps = names
    .slice(0, names.indexOf(name))
    .map((base) => `${ratio(name, base)} on ${base}`)
    .join(', ');
  console.log(
    `${name.padEnd(14)} ${median(times[name]!).toFixed(1)} ms per evaluation (median)` +
      (speedUps ? `; ${speedUps} (within-round ratio, median [min–max])` : ''),
  );
}
