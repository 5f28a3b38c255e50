// Benchmark (not a test): the intervals of `roadwork train`'s tables. Every slice's MCC, accuracy and
// AUC are bootstrapped over groups (300 resamples); `sliceReport` scores the three on one resample
// (`bootstrapStatsByGroup`), where until session 37 each had a bootstrap of its own that recomputed
// all three. Both are run here on rows shaped like the starter's proxy in-car slice (1836 rows, 552
// roadwork, ~60 drives plus frames scored one by one), checked to give the same estimates, and timed.
// Usage: node --import tsx bench/train-report.ts [--rows 1836] [--groups 60] [--runs 5]
import { parseArgs } from 'node:util';
import { createRng } from '../src/core/random/index.js';
import { bootstrapByGroup, scores, type ViewRow } from '../src/lifecycle/train/index.js';
import { SLICE_ROUNDS, sliceReport } from '../src/lifecycle/train/_pipeline.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1836' },
    groups: { type: 'string', default: '60' },
    runs: { type: 'string', default: '5' },
  },
});
const n = Number(values.rows);
const rng = createRng('bench-train-report');
const rows: ViewRow[] = Array.from({ length: n }, (_, image) => {
  const label = rng.next() < 0.3 ? 1 : 0;
  return {
    image,
    group: `drive-${rng.int(0, Number(values.groups) - 1)}`,
    label,
    level: 0,
    x: new Float32Array(0),
  };
});
const p = rows.map((r) => Math.min(1, Math.max(0, 0.35 + 0.3 * r.label + 0.25 * rng.normal())));

// How each slice was scored before: one bootstrap per statistic, each recomputing all three.
function perStatistic(seed: string) {
  const input = { p, y: rows.map((r) => r.label), groups: rows.map((r) => r.group) };
  const opts = { seed, rounds: SLICE_ROUNDS };
  return {
    mcc: bootstrapByGroup(input, (pp, yy) => scores(pp, yy).mcc, opts),
    accuracy: bootstrapByGroup(input, (pp, yy) => scores(pp, yy).accuracy, opts),
    auc: bootstrapByGroup(input, (pp, yy) => scores(pp, yy).auc, opts),
  };
}

function median(fn: () => unknown): number {
  const times: number[] = [];
  for (let r = 0; r < Number(values.runs); r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

const once = sliceReport(p, rows, 'bench');
const before = perStatistic('bench');
for (const k of ['mcc', 'accuracy', 'auc'] as const)
  if (JSON.stringify(once[k]) !== JSON.stringify(before[k]))
    throw new Error(`${k}: ${JSON.stringify(once[k])} one pass, ${JSON.stringify(before[k])} per statistic`);
const three = median(() => perStatistic('bench'));
const one = median(() => sliceReport(p, rows, 'bench'));
console.log(
  `one slice of ${n} rows, ${SLICE_ROUNDS} resamples, median of ${values.runs} runs (same estimates):`,
);
console.log(`  a bootstrap per statistic  ${three.toFixed(1)} ms`);
console.log(`  one bootstrap for three    ${one.toFixed(1)} ms  (×${(three / one).toFixed(2)} faster)`);
