// One head per seed of the views (`trainHead` with `ensemble`): each the head its own seed's run
// ships, and their mean scored as a stage with `head: [a, b]` serves it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { logit, sigmoid } from '../../inference/heads/index.js';
import { evaluate } from './_pipeline.js';
import { proxyReport } from './_proxy.js';
import { STYLED_CONFIG as CONFIG, styledRows } from './_test-styled-rows.js';
import { meanOfLogits, trainHead } from './index.js';

test('meanOfLogits is the probability of the mean log-odds, index by index', () => {
  const p = meanOfLogits([
    [0.5, 0.9, 0.8],
    [0.5, 0.1, 0.6],
  ]);
  assert.equal(p[0], 0.5);
  assert.ok(Math.abs(p[1]! - 0.5) < 1e-12, 'opposite log-odds cancel');
  assert.ok(Math.abs(p[2]! - sigmoid((logit(0.8) + logit(0.6)) / 2)) < 1e-12);
  assert.deepEqual(meanOfLogits([]), new Float64Array(0));
});

test('trainHead with ensemble ships a head per seed of the views, each its own run, and scores their mean as served', async () => {
  const set = (seed: string) => ({ rows: styledRows(1.5, seed), extraViews: styledRows(1.5, `${seed}-x`) });
  const [a, b] = [set('ens-a'), set('ens-b')];
  const options = (x: ReturnType<typeof set>, seed: string) => ({
    ...CONFIG,
    seed,
    l2: [0.1],
    log: () => {},
    extraViews: x.extraViews,
    proxy: { rows: x.rows, extraViews: x.extraViews },
  });
  const lines: string[] = [];
  const joint = await trainHead(a.rows, 'test-embedder', {
    ...options(a, 'ea'),
    log: (l) => lines.push(l),
    otherViews: [{ seed: 'eb', ...b, proxy: { rows: b.rows, extraViews: b.extraViews } }],
    ensemble: true,
  });
  const e = joint.ensemble!;
  assert.deepEqual(e.seeds, ['ea', 'eb']);
  assert.ok(lines.includes('ensemble: the head on the views of seed eb'), lines.join('\n'));
  // Each head is the one a run at its seed ships: weights, calibration and metrics.
  const [alone, other] = [
    await trainHead(a.rows, 'test-embedder', options(a, 'ea')),
    await trainHead(b.rows, 'test-embedder', options(b, 'eb')),
  ];
  assert.equal(e.heads[0], joint.head);
  assert.deepEqual(joint.head.layers, alone.head.layers);
  assert.deepEqual(e.heads[1], other.head);
  // The mean: the grouped CV and the proxy of the mean log-odds of both runs' out-of-fold answers.
  const cv = meanOfLogits([alone.predictions[0].cv.p, other.predictions[0].cv.p]);
  assert.deepEqual(e.report.overall, evaluate(cv, a.rows, 'ea').overall);
  const proxied = meanOfLogits([alone.predictions[0].proxy!.p, other.predictions[0].proxy!.p]);
  assert.deepEqual(e.proxy, proxyReport(proxied, a.rows, { seed: 'ea', l2: 0.1, folds: CONFIG.folds }));
  // Exits reach the target accuracy on the mean of the heads' calibrated held-out logits.
  if (e.exits) assert.ok(e.exits.accuracy >= CONFIG.targetAccuracy);
  // The bundle's record: the ensemble's numbers in place of the own head's, the heads' own beside.
  const m = e.metrics as {
    overall: unknown;
    exits?: { high: number; low: number };
    proxy?: { headline?: unknown };
    ensemble: { seeds: string[]; heads: { seed: string; overall: unknown }[] };
  };
  assert.deepEqual(m.ensemble.seeds, ['ea', 'eb']);
  assert.deepEqual(
    m.ensemble.heads.map((h) => [h.seed, h.overall]),
    [
      ['ea', alone.head.metrics?.overall],
      ['eb', other.head.metrics?.overall],
    ],
  );
  assert.equal((m.overall as { n: number }).n, a.rows.length);
  assert.deepEqual(m.exits && [m.exits.high, m.exits.low], e.exits && [e.exits.high, e.exits.low]);
  assert.ok(m.proxy?.headline !== undefined);

  await assert.rejects(
    trainHead(a.rows, 'test-embedder', { ...options(a, 'ea'), ensemble: true }),
    (err) =>
      isRoadworkError(err, 'ERR_CONFIG_INVALID') && /more than one seed of the views/.test(err.message),
  );
});
