// Risk-controlled exits: the binomial bound against known values, the guarantee on repeated synthetic calibration sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Head } from '../../inference/heads/index.js';
import { createRng } from '../../core/random/index.js';
import { binomialCdf, clopperPearsonUpper, logGamma, riskControlledExits } from './_conformal.js';
import type { ViewRow } from './_dataset.js';
import { calibrateHead } from './_recalibrate.js';

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('logGamma() matches log factorials', () => {
  close(logGamma(1), 0, 1e-13);
  close(logGamma(11), Math.log(3628800), 1e-12);
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-13);
});

test('binomialCdf() matches exact binomial tail values, large n included', () => {
  // Reference values from scipy.stats.binom.cdf.
  close(binomialCdf(2, 10, 0.5), 56 / 1024, 1e-13);
  close(binomialCdf(3, 20, 0.1), 0.8670466765656649, 1e-12);
  close(binomialCdf(0, 100, 0.05), 0.95 ** 100, 1e-15);
  close(binomialCdf(50, 1000, 0.06), 0.10056759171168597, 1e-10);
  close(binomialCdf(4900, 100_000, 0.05), 0.07407626615555202, 1e-8);
  close(binomialCdf(5000, 100_000, 0.05), 0.5037624048046629, 1e-8);
  assert.equal(binomialCdf(10, 10, 0.3), 1);
  assert.equal(binomialCdf(-1, 10, 0.3), 0);
});

test('clopperPearsonUpper() matches the beta quantile, and 1 − δ^(1/n) with no errors', () => {
  // scipy.stats.beta.ppf(1 - delta, errors + 1, n - errors).
  close(clopperPearsonUpper(1, 10, 0.05), 0.39416330243650466, 1e-9);
  close(clopperPearsonUpper(5, 100, 0.05), 0.1022533776432745, 1e-9);
  close(clopperPearsonUpper(10, 1000, 0.1), 0.015364975604890663, 1e-9);
  close(clopperPearsonUpper(0, 59, 0.05), 1 - 0.05 ** (1 / 59), 1e-15);
  assert.equal(clopperPearsonUpper(0, 0, 0.05), 1);
  // The bound is where the binomial test at level δ stops rejecting.
  close(binomialCdf(5, 100, clopperPearsonUpper(5, 100, 0.05)), 0.05, 1e-9);
});

test('riskControlledExits() needs enough exits: one sequence certifies 59 right answers at α = δ = 0.05, not 58', () => {
  const confident = (n: number) => ({
    p: Array.from({ length: n }, (_, i) => (i % 2 ? 0.999 : 0.001)),
    y: Array.from({ length: n }, (_, i) => i % 2),
  });
  const few = confident(58);
  const none = riskControlledExits(few.p, few.y, { alpha: 0.05, delta: 0.05, starts: 1 });
  assert.equal(none.chosen, undefined);
  assert.match(none.guarantee, /^no exit band .* coverage 0/);
  const enough = confident(59);
  const some = riskControlledExits(enough.p, enough.y, { alpha: 0.05, delta: 0.05, starts: 1 });
  assert.equal(some.chosen?.coverage, 1);
  assert.match(
    some.guarantee,
    /^error on exits ≤ 0.05 with probability ≥ 0.95 on exchangeable data; coverage 1.000/,
  );
  // Ten sequences test at δ/10 each: 1 − 0.005^(1/n) ≤ 0.05 needs n ≥ 104.
  for (const [n, certified] of [
    [103, false],
    [104, true],
  ] as const) {
    const d = confident(n);
    assert.equal(riskControlledExits(d.p, d.y, { alpha: 0.05, delta: 0.05 }).chosen !== undefined, certified);
  }
});

test('riskControlledExits() stops a sequence at its first failing band; a later start may go on', () => {
  // 100 right answers at 0.97, 10 wrong at 0.92, 400 right at 0.85: the band down to 0.92 fails,
  // the band down to 0.85 alone would pass, and fixed-sequence testing must not reach it.
  const p = [...Array(100).fill(0.97), ...Array(10).fill(0.92), ...Array(400).fill(0.85)];
  const y = [...Array(100).fill(1), ...Array(10).fill(0), ...Array(400).fill(1)];
  const highs = [0.97, 0.95, 0.92, 0.9, 0.85];
  const r = riskControlledExits(p, y, { alpha: 0.05, delta: 0.1, highs, starts: 1 });
  assert.equal(r.chosen?.exits, 100);
  assert.ok(r.chosen!.high > 0.92 && r.chosen!.high <= 0.97);
  const wide = r.rows.find((row) => row.high === 0.85)!;
  assert.ok(wide.pValue <= 0.1 && !wide.tested && !wide.passed, JSON.stringify(wide));
  // With a start at every band (each at δ/5), the one at 0.85 certifies the wide band.
  const multi = riskControlledExits(p, y, { alpha: 0.05, delta: 0.1, highs, starts: 5 });
  assert.equal(multi.chosen?.exits, 510);
  assert.ok(multi.rows.some((row) => row.high === 0.92 && !row.passed));
});

// Scores p ~ U(0, 1) with y ~ Bernoulli(p): the error on exits of the band (1 − h, h) is (1 − h)/2,
// so at α = 0.05 exactly the bands with h ≥ 0.9 are safe.
function calibratedScores(seed: string, n: number): { p: number[]; y: number[] } {
  const rng = createRng(seed);
  const p = Array.from({ length: n }, () => rng.next());
  return { p, y: p.map((v) => (rng.next() < v ? 1 : 0)) };
}

test('riskControlledExits() keeps the error on exits ≤ α in at least 1 − δ of repeated calibration sets', () => {
  const alpha = 0.05;
  const delta = 0.1;
  const trials = 100;
  let violations = 0;
  let coverage = 0;
  for (let t = 0; t < trials; t++) {
    const { p, y } = calibratedScores(`risk-${t}`, 5000);
    const r = riskControlledExits(p, y, { alpha, delta });
    const chosen = r.chosen;
    if (chosen === undefined) continue;
    if ((1 - chosen.high) / 2 > alpha + 1e-12) violations++;
    coverage += chosen.coverage;
  }
  // Violations ~ Binomial(100, ≤ 0.1): 19 is 3 standard deviations above the worst case.
  assert.ok(violations <= 19, `${violations} of ${trials}`);
  // Not vacuous: the widest safe band (h = 0.9) exits 20 % of the rows; about half of that is certified.
  assert.ok(coverage / trials > 0.05, `mean coverage ${coverage / trials}`);
});

test('riskControlledExits() gives lower or equal coverage for a stricter α', () => {
  for (const seed of ['a', 'b', 'c']) {
    const { p, y } = calibratedScores(`alpha-${seed}`, 5000);
    const coverages = [0.2, 0.1, 0.05, 0.03, 0.02, 0.01].map(
      (alpha) => riskControlledExits(p, y, { alpha, delta: 0.1 }).chosen?.coverage ?? 0,
    );
    for (let i = 1; i < coverages.length; i++) assert.ok(coverages[i]! <= coverages[i - 1]!, `${coverages}`);
    assert.ok(coverages[0]! > coverages.at(-1)!, `${coverages}`);
  }
});

test('calibrateHead() with risk control fits on some groups, bounds the exits on the others', async () => {
  const rng = createRng('recalibrate');
  const rows: ViewRow[] = [];
  for (let image = 0; image < 3000; image++) {
    const label = rng.next() < 0.5 ? 1 : 0;
    const x = (label ? 1 : -1) * 1.5 + rng.normal();
    // Two views per image, near copies; 60 groups.
    for (const level of [0, 1] as const)
      rows.push({ image, group: `g${image % 60}`, label, level, x: Float32Array.of(x + 0.1 * rng.normal()) });
  }
  const head: Head = {
    format: 'roadwork-head',
    version: 1,
    type: 'logistic',
    inputDims: 1,
    layers: [{ weights: [[0.5]], bias: [0], activation: 'none' }],
    temperature: 1,
    shift: 0,
  };
  const r = await calibrateHead(head, rows, {
    tta: false,
    targetAccuracy: 0.95,
    seed: 's',
    risk: { alpha: 0.05, delta: 0.1 },
  });
  const risk = r.risk!;
  // One view per held-out image, about half of the 3000 images.
  assert.ok(risk.n > 1200 && risk.n < 1800, `${risk.n}`);
  assert.equal(r.report.overall.n, 2 * risk.n);
  // The logits were 0.5·x for x of slope 3 in log-odds: the temperature undoes most of it.
  assert.ok(r.head.temperature < 0.5, `${r.head.temperature}`);
  assert.ok(risk.chosen!.bound <= 0.05 && r.exits!.accuracy >= 0.95);
  const cal = r.head.metrics!.calibration as {
    exits: { guarantee: string; alpha: number };
    held_out: number;
  };
  assert.equal(cal.exits.alpha, 0.05);
  assert.equal(cal.held_out, 2 * risk.n);
  assert.match(cal.exits.guarantee, /with probability ≥ 0.9 on exchangeable data; coverage 0\.\d{3}/);
});

test('calibrateHead() refuses risk control on data with a single group', async () => {
  const rows: ViewRow[] = [0, 1].map((label) => ({
    image: label,
    group: 'only',
    label: label as 0 | 1,
    level: 0,
    x: Float32Array.of(label),
  }));
  const head: Head = {
    format: 'roadwork-head',
    version: 1,
    type: 'logistic',
    inputDims: 1,
    layers: [{ weights: [[1]], bias: [0], activation: 'none' }],
    temperature: 1,
    shift: 0,
  };
  await assert.rejects(
    () =>
      calibrateHead(head, rows, {
        tta: false,
        targetAccuracy: 0.9,
        seed: 's',
        risk: { alpha: 0.1, delta: 0.1 },
      }),
    /two or more groups: 1 group/,
  );
});
