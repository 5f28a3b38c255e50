// Benchmark (not a test): a dense head's objective (`fitMlp`'s or `fitLogistic`'s loss and gradient,
// one evaluation is one pass over the rows) blocked over rows against the row-at-a-time loop it
// replaced, on random standardised rows at the fit's initial weights (an MLP's: about half the hidden
// units active; a logistic head's: random). Rounds alternate which goes first; the ratio is taken
// within a round. It also checks both give the same loss and gradient, bit for bit.
// Usage: node --import tsx bench/dense-objective.ts [--model mlp|logistic] [--rows 20000] [--cols 140]
//        [--hidden 32] [--evals 4] [--rounds 7]
// The colour/shape heads fit on about 22 000 rows of 140 columns; the starter's whole 2.0.4 rows
// have 1420 columns.
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/random/index.js';
import {
  logisticObjective,
  mlpObjective,
  rowwiseLogisticObjective,
  rowwiseMlpObjective,
  type MlpProblem,
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

const variants = mlp
  ? { rowwise: rowwiseMlpObjective(problem), blocked: mlpObjective(problem) }
  : { rowwise: rowwiseLogisticObjective(problem), blocked: logisticObjective(problem) };
const grads = { rowwise: new Float64Array(size), blocked: new Float64Array(size) };
const loss = { rowwise: variants.rowwise(w, grads.rowwise), blocked: variants.blocked(w, grads.blocked) };
const same = loss.rowwise === loss.blocked && grads.rowwise.every((v, i) => Object.is(v, grads.blocked[i]));
if (!same) throw new Error('the blocked objective differs from the row-at-a-time one');

function msPerEval(name: keyof typeof variants): number {
  const t0 = performance.now();
  for (let e = 0; e < evals; e++) variants[name](w, grads[name]);
  return (performance.now() - t0) / evals;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const times = { rowwise: [] as number[], blocked: [] as number[] };
const ratios: number[] = [];
for (let r = 0; r < rounds; r++) {
  const order: (keyof typeof variants)[] = r % 2 === 0 ? ['rowwise', 'blocked'] : ['blocked', 'rowwise'];
  const t = Object.fromEntries(order.map((name) => [name, msPerEval(name)])) as Record<
    keyof typeof variants,
    number
  >;
  times.rowwise.push(t.rowwise);
  times.blocked.push(t.blocked);
  ratios.push(t.rowwise / t.blocked);
}
const f = (x: number) => x.toFixed(1);
console.log(
  `${values.model}: ${rows} rows × ${cols} columns${mlp ? `, ${hidden} hidden units` : ''}; ` +
    `${evals} evaluations a cell, ${rounds} rounds`,
);
console.log(`row at a time: ${f(median(times.rowwise))} ms per evaluation (median)`);
console.log(`blocked:       ${f(median(times.blocked))} ms per evaluation (median)`);
console.log(
  `speed-up ×${median(ratios).toFixed(2)} [${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}]` +
    ' (within-round ratio, median [min–max]); loss and gradient identical',
);
