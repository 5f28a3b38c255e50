// Several --data folders as one source, the family rule, and the same-camera proxy on data whose
// style gives the labels away (known answers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../../core/errors/index.js';
import { splitGroups } from './_dataset.js';
import { familyRule, groupFamily, styleRoom, styleUnit } from './_families.js';
import { cameraCellWeights, crossValidate, crossCalibrate, evaluate, fitHead } from './_pipeline.js';
import { cameraUnit, proxyCrossValidate, proxyReport, proxyScores } from './_proxy.js';
import { proxyTable } from './_report.js';
import { drawSeeds, pairRepeats, spread } from './_repeats.js';
import { openTrainingFolders } from './_sources.js';
import { trainHead } from './index.js';
import { STYLED_CONFIG as CONFIG, styledRows } from './_test-styled-rows.js';

async function folder(root: string, name: string, rows: [string, 0 | 1, string][]): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'pos'), { recursive: true });
  await mkdir(join(dir, 'neg'), { recursive: true });
  for (const [file] of rows) await writeFile(join(dir, file), `bytes of ${name}/${file}`);
  const lines = ['file,label,group', ...rows.map(([f, l, g]) => `${f},${l},${g}`)];
  await writeFile(join(dir, 'manifest.csv'), `${lines.join('\n')}\n`);
  return dir;
}

test('openTrainingFolders() namespaces groups by folder and keeps image ids and bytes', async () => {
  const root = await mkdtemp(join(tmpdir(), 'rw-folders-'));
  try {
    const a = await folder(root, 'a', [
      ['pos/1.jpg', 1, 'neg'],
      ['neg/2.jpg', 0, 'g'],
    ]);
    const b = await folder(join(root, 'x'), 'b', [['neg/3.jpg', 0, 'neg']]);
    const one = await openTrainingFolders(a);
    assert.deepEqual(
      one.images.map((i) => [i.id, i.group]),
      [
        ['pos/1.jpg', 'neg'],
        ['neg/2.jpg', 'g'],
      ],
    );
    const both = await openTrainingFolders([a, b]);
    // The group "neg" of a and of b are two groups; ids are the paths in their folder.
    assert.deepEqual(
      both.images.map((i) => [i.id, i.group, i.label]),
      [
        ['pos/1.jpg', 'a/neg', 1],
        ['neg/2.jpg', 'a/g', 0],
        ['neg/3.jpg', 'b/neg', 0],
      ],
    );
    assert.equal((await both.images[2]!.load()).toString(), 'bytes of b/neg/3.jpg');
    // Two folders of one name stay apart; one folder twice and one path in two folders are refused.
    const a2 = await folder(join(root, 'y'), 'a', [['neg/4.jpg', 0, 'g']]);
    const twin = await openTrainingFolders([a, a2]);
    assert.deepEqual([...new Set(twin.images.map((i) => i.group))], ['a/neg', 'a/g', 'a~2/g']);
    await assert.rejects(openTrainingFolders([a, `${a}/`]), (err) =>
      isRoadworkError(err, 'ERR_CONFIG_INVALID'),
    );
    const clash = await folder(join(root, 'z'), 'c', [['neg/2.jpg', 0, 'g']]);
    await assert.rejects(
      openTrainingFolders([a, clash]),
      (err) => isRoadworkError(err, 'ERR_DATASET_INVALID') && /neg\/2\.jpg/.test(err.message),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the family rule reads groups namespaced by folder and split by image', async () => {
  assert.equal(groupFamily('mi3-chicago'), 'dashcam work zones');
  assert.equal(groupFamily('roadwork-real-train/tracon-web/17'), 'web photos');
  assert.equal(groupFamily('street-negatives-camvid/camvid-0001TP'), 'dashcam streets (CamVid)');
  // The folder name never decides: only the group does.
  assert.equal(groupFamily('kitti-extra/neg'), 'folder');
  assert.equal(groupFamily('somewhere/drive-7'), 'other');
  assert.deepEqual(familyRule('x/kitti-road-um'), { family: 'KITTI', camera: 'in-car', unit: 'family' });
  // One camera for every KITTI drive; each dashcam city its own; web photos one by one.
  assert.equal(
    cameraUnit({ group: 'kitti-road-um', image: 3 }),
    cameraUnit({ group: 'a/kitti-road-uu', image: 9 }),
  );
  assert.equal(cameraUnit({ group: 'mi3-chicago', image: 3 }), 'mi3-chicago');
  assert.equal(cameraUnit({ group: 'tracon-web', image: 3 }), 'tracon-web/3');
  // --style-null's cameras: the proxy's, with every web photo one style; the same from the
  // manifest's groups, split by image or not, and from the proxy's rewritten ones.
  for (const [group, unit] of [
    ['kitti-road-um', 'camera:KITTI'],
    [cameraUnit({ group: 'a/kitti-road-uu', image: 9 }), 'camera:KITTI'],
    ['roadwork-real-train/tracon-web/17', 'camera:web photos'],
    [cameraUnit({ group: 'tracon-web', image: 3 }), 'camera:web photos'],
    ['roadwork-real-train/mi3-chicago', 'roadwork-real-train/mi3-chicago'],
    ['mi3-chicago/4', 'mi3-chicago'],
    ['somewhere/drive-7', 'somewhere/drive-7'],
  ] as const)
    assert.equal(styleUnit(group), unit, group);
  // The directions those cameras span: one fewer than the cameras inside each label. A folder without
  // manifest groups has one camera a label and nothing to remove.
  const at = (group: string, label: number) => ({ group, label });
  assert.equal(styleRoom([at('x/pos', 1), at('x/pos', 1), at('x/neg', 0)]), 0);
  assert.equal(
    styleRoom([
      at('mi3-chicago', 1),
      at('mi3-detroit', 1),
      at('tracon-web/1', 1),
      at('tracon-web/2', 1),
      at('tracon-web/3', 0),
      at('kitti-road-um', 0),
      at('kitti-road-uu', 0),
      at('camvid-0001TP', 0),
    ]),
    2 + 2,
  );
  // --split-group names the group without its folder.
  const row = {
    image: 5,
    group: 'roadwork-real-train/tracon-web',
    label: 0,
    level: 0,
    x: new Float32Array(1),
  } as const;
  assert.equal(splitGroups([row], ['tracon-web'])[0]!.group, 'roadwork-real-train/tracon-web/5');
});

test('the same-camera proxy scores nothing that style alone can give, and sees a real signal', async () => {
  const noise = styledRows(0, 'style-only');
  const split = splitGroups(noise, ['tracon-web']);
  const { logits, fold } = await crossValidate(split, CONFIG);
  const y = Uint8Array.from(split, (r) => r.label);
  const pooled = evaluate(crossCalibrate(logits, y, fold, CONFIG.folds), split, 'proxy').overall;
  // Pooled grouped CV rewards the style: high MCC without any roadwork signal.
  assert.ok(pooled.mcc!.value > 0.4, `pooled MCC ${pooled.mcc!.value}`);
  const style = proxyReport((await proxyCrossValidate(noise, CONFIG)).p, noise, {
    seed: 'proxy',
    l2: 0.1,
    folds: 5,
  });
  assert.equal(style.headline?.kind, 'in-car');
  assert.equal(style.headline?.n, 72 + 30 + 24);
  assert.ok(
    Math.abs(style.headline!.mcc.value) < 0.3,
    `proxy MCC on style only ${style.headline!.mcc.value}`,
  );
  assert.ok(style.headline!.auc!.value < 0.75, `proxy AUC on style only ${style.headline!.auc!.value}`);
  assert.ok(style.kinds.web!.mcc !== undefined, 'web photos hold both labels and are scored');
  assert.equal(style.families.KITTI!.mcc, undefined, 'a family of one label has accuracy only');
  // Each negative-only family against its kind's positives (web photos hold both labels: no pair).
  assert.deepEqual(Object.keys(style.pairs), [
    'in-car: roadwork vs KITTI',
    'in-car: roadwork vs dashcam streets (CamVid)',
  ]);
  assert.equal(style.pairs['in-car: roadwork vs KITTI']!.n, 72 + 30);

  const real = styledRows(3, 'signal');
  const seen = proxyReport((await proxyCrossValidate(real, CONFIG)).p, real, {
    seed: 'proxy',
    l2: 0.1,
    folds: 5,
  });
  assert.ok(seen.headline!.mcc.value > 0.45, `proxy MCC with a signal ${seen.headline!.mcc.value}`);
  assert.ok(seen.headline!.auc!.value > 0.85, `proxy AUC with a signal ${seen.headline!.auc!.value}`);
  assert.ok(
    seen.headline!.mcc.lo < seen.headline!.mcc.value && seen.headline!.mcc.value <= seen.headline!.mcc.hi,
  );
});

test('the proxy weighs each family of in-car negatives the same in its balanced row', async () => {
  const rows = styledRows(1.5, 'balanced');
  const { p } = await proxyCrossValidate(rows, CONFIG);
  const r = proxyReport(p, rows, { seed: 'proxy', l2: 0.1, folds: 5 });
  const pairs = ['in-car: roadwork vs KITTI', 'in-car: roadwork vs dashcam streets (CamVid)'] as const;
  const b = r.balanced!['in-car: families balanced']!;
  assert.deepEqual(b.pairs, pairs);
  assert.equal(b.n, r.headline!.n);
  assert.equal(b.positives, r.headline!.positives);
  // The mean of the pairs' scores, which here is not the pooled headline (30 KITTI, 24 CamVid frames).
  const [kitti, camvid] = pairs.map((n) => r.pairs[n]!);
  assert.ok(Math.abs(b.mcc.value - (kitti!.mcc!.value + camvid!.mcc!.value) / 2) < 1e-12);
  assert.ok(Math.abs(b.auc.value - (kitti!.auc!.value + camvid!.auc!.value) / 2) < 1e-12);
  assert.ok(Math.abs(b.mcc.value - r.headline!.mcc.value) > 1e-3, `${b.mcc.value} ${r.headline!.mcc.value}`);
  assert.ok(b.mcc.lo <= b.mcc.hi && b.mcc.hi - b.mcc.lo > 0, `a resampled interval ${b.mcc.lo}–${b.mcc.hi}`);
  assert.match(proxyTable(r), /^in-car: families balanced +126 +72 /m);
  // The draws' point scores carry it too, as the pairs' mean.
  const points = proxyScores(p, rows).scores;
  const mean = (points[pairs[0]]!.mcc + points[pairs[1]]!.mcc) / 2;
  assert.equal(points['in-car: families balanced']!.mcc, mean);
  // One family of negatives has nothing to balance.
  const one = rows.filter((row) => !row.group.startsWith('camvid'));
  const alone = (await proxyCrossValidate(one, CONFIG)).p;
  assert.equal(proxyReport(alone, one, { seed: 'proxy', l2: 0.1, folds: 5 }).balanced, undefined);
  assert.equal(proxyScores(alone, one).scores['in-car: families balanced'], undefined);
});

test('the proxy holds whole cameras out: every KITTI drive in one fold, extra views with their camera', async () => {
  const rows = styledRows(3, 'folds');
  const extra = rows.map((r) => ({ ...r, x: r.x.map((v) => v + 0.01) }));
  const { fold } = await proxyCrossValidate(rows, { ...CONFIG, extraViews: extra });
  const kitti = new Set(rows.flatMap((r, i) => (r.group.startsWith('kitti') ? [fold[i]] : [])));
  assert.equal(kitti.size, 1);
  const web = new Set(rows.flatMap((r, i) => (r.group === 'tracon-web' ? [fold[i]] : [])));
  assert.ok(web.size > 1, 'web photos are split by image');
});

test('trainHead --select-by family chooses the L2 by the proxy and records it; refuses data it cannot score', async () => {
  const rows = styledRows(1.5, 'select');
  const lines: string[] = [];
  const options = { ...CONFIG, l2: [0.01, 100], log: (l: string) => lines.push(l), proxy: { rows } };
  const byFamily = await trainHead(rows, 'test-embedder', { ...options, selectBy: 'family' });
  assert.equal(lines.filter((l) => /same-camera proxy MCC/.test(l)).length, 2, lines.join('\n'));
  assert.equal(lines.filter((l) => /grouped 5-fold CV MCC/.test(l)).length, 1, lines.join('\n'));
  assert.equal(byFamily.proxy?.l2, byFamily.l2);
  assert.equal(byFamily.head.metrics?.selected_by, 'same-camera proxy');
  const recorded = byFamily.head.metrics?.proxy as { headline: { mcc: { value: number } } };
  assert.equal(recorded.headline.mcc.value, byFamily.proxy!.headline!.mcc.value);
  // The choice is the proxy's best: no L2 tried scores higher on it.
  const scoresOf = lines.flatMap((l) => /same-camera proxy MCC (-?[\d.]+)/.exec(l)?.[1] ?? []).map(Number);
  assert.equal(byFamily.proxy!.headline!.mcc.value.toFixed(3), Math.max(...scoresOf).toFixed(3));

  const onlyInCarPositives = rows.filter((r) => r.group.startsWith('mi3') || r.group === 'tracon-web');
  const web = onlyInCarPositives.map((r) => (r.group === 'tracon-web' ? { ...r, label: 0 as const } : r));
  await assert.rejects(
    () => trainHead(web, 'test-embedder', { ...options, proxy: { rows: web }, selectBy: 'family' }),
    (err) =>
      isRoadworkError(err, 'ERR_CONFIG_INVALID') && /no camera kind holds both labels/.test(err.message),
  );
});

test('trainHead --select-by balanced chooses the L2 by the families-balanced row; refuses one family of negatives', async () => {
  // One CamVid drive of two: 30 KITTI frames against 12 CamVid, so the pooled headline leans on KITTI.
  const rows = styledRows(1.5, 'd')
    .filter((r) => r.group !== 'camvid-0006R0')
    .map((r, image) => ({ ...r, image }));
  const lines: string[] = [];
  const grid = [0.01, 100];
  const options = { ...CONFIG, l2: grid, log: (l: string) => lines.push(l), proxy: { rows } };
  const chosen = await trainHead(rows, 'test-embedder', { ...options, selectBy: 'balanced' });
  assert.equal(chosen.head.metrics?.selected_by, 'same-camera proxy, families balanced');
  // Each L2's proxy line gives both numbers; the choice is the best balanced one, not the best headline.
  const logged = lines.flatMap((l) => {
    const m = /l2=([\d.]+): same-camera proxy MCC (-?[\d.]+).*families balanced MCC (-?[\d.]+)/.exec(l);
    return m ? [{ l2: Number(m[1]), headline: Number(m[2]), balanced: Number(m[3]) }] : [];
  });
  assert.deepEqual(
    logged.map((r) => r.l2),
    grid,
    lines.join('\n'),
  );
  const best = Math.max(...logged.map((r) => r.balanced));
  assert.equal(logged.find((r) => r.l2 === chosen.l2)!.balanced, best);
  const b = chosen.proxy!.balanced!['in-car: families balanced']!;
  assert.equal(b.mcc.value.toFixed(3), best.toFixed(3));
  // The same grid by the headline reads the other number of the same lines.
  const byHeadline = await trainHead(rows, 'test-embedder', {
    ...options,
    selectBy: 'family',
    log: () => {},
  });
  const top = Math.max(...logged.map((r) => r.headline));
  assert.equal(logged.find((r) => r.l2 === byHeadline.l2)!.headline, top);
  assert.notEqual(chosen.l2, byHeadline.l2, JSON.stringify(logged));
  // The run says the two disagree on this grid.
  assert.ok(
    lines.includes(
      `note: --select-by balanced chose l2=${chosen.l2}; --select-by family would choose l2=${byHeadline.l2} (l2=${chosen.l2}: headline ${logged.find((r) => r.l2 === chosen.l2)!.headline.toFixed(3)}, families balanced ${best.toFixed(3)}; l2=${byHeadline.l2}: headline ${top.toFixed(3)}, families balanced ${logged.find((r) => r.l2 === byHeadline.l2)!.balanced.toFixed(3)})`,
    ),
    lines.join('\n'),
  );

  const one = rows.filter((r) => !r.group.startsWith('camvid'));
  await assert.rejects(
    () => trainHead(one, 'test-embedder', { ...options, proxy: { rows: one }, selectBy: 'balanced' }),
    (err) =>
      isRoadworkError(err, 'ERR_CONFIG_INVALID') &&
      /--select-by balanced: the in-car cameras hold one family of negatives only \(in-car: roadwork vs KITTI\)/.test(
        err.message,
      ),
  );
  // By the headline, the same rows are fine.
  await trainHead(one, 'test-embedder', {
    ...options,
    l2: [1],
    proxy: { rows: one },
    selectBy: 'family',
    log: () => {},
  });
});

test('balanceCameras weighs each (camera kind, label) cell the same, so the head leans on roadwork, not the camera', async () => {
  const rows = styledRows(1.5, 'balance');
  const w = cameraCellWeights(rows);
  const total = (kind: string, label: number) =>
    rows.reduce((s, r, i) => s + (familyRule(r.group).camera === kind && r.label === label ? w[i]! : 0), 0);
  const cells = [total('in-car', 1), total('in-car', 0), total('web', 1), total('web', 0)];
  for (const c of cells) assert.ok(Math.abs(c - rows.length / 4) < 1e-9, `cell total ${c}`);
  assert.ok(Math.abs(w.reduce((s, v) => s + v, 0) - rows.length) < 1e-9, 'weights average 1');
  // The proxy rewrites groups to camera units (camera:KITTI): the recorded camera kind keeps the cells.
  const rewritten = rows.map((r) => ({ ...r, group: cameraUnit(r), camera: familyRule(r.group).camera }));
  assert.deepEqual(cameraCellWeights(rewritten), w);
  // Feature 0 is the camera, feature 1 roadwork: balancing moves the head's weight from 0 to 1.
  const lean = async (balanceCameras: boolean) => {
    const [layer] = (await fitHead(rows, { ...CONFIG, balanceCameras })).layers;
    const [style, signal] = layer!.weights[0]!;
    return Math.abs(style!) / Math.abs(signal!);
  };
  const plain = await lean(false);
  const balanced = await lean(true);
  assert.ok(balanced < plain / 2, `camera/roadwork weight ratio ${balanced} balanced vs ${plain} plain`);
});

test('spread() and drawSeeds(): the first draw is the run itself; NaN draws are left out', async () => {
  assert.deepEqual(drawSeeds('s', 3), ['s', 's#2', 's#3']);
  assert.deepEqual(drawSeeds('s', 1), ['s']);
  const s = spread([0.1, 0.3, Number.NaN]);
  assert.ok(Math.abs(s.mean - 0.2) < 1e-12 && Math.abs(s.sd - Math.SQRT2 / 10) < 1e-12, JSON.stringify(s));
  assert.deepEqual([s.min, s.max], [0.1, 0.3]);
  assert.equal(spread([0.4]).sd, 0);
});

test('trainHead --repeats runs both protocols over draws of the folds, chooses the L2 by the mean and keeps the first draw whole', async () => {
  const rows = styledRows(1.5, 'repeats');
  const lines: string[] = [];
  const options = { ...CONFIG, l2: [0.01, 100], log: (l: string) => lines.push(l), proxy: { rows } };
  const thrice = await trainHead(rows, 'test-embedder', { ...options, repeats: 3, selectBy: 'family' });
  const once = await trainHead(rows, 'test-embedder', { ...options, l2: [thrice.l2], log: () => {} });
  assert.equal(once.repeats, undefined);
  const r = thrice.repeats!;
  assert.deepEqual(r.seeds, ['proxy', 'proxy#2', 'proxy#3']);
  // Each draw is the proxy run at its own seed: the second draw's headline is that of seed proxy#2.
  const headline = r.proxy![r.proxyHeadline!]!;
  assert.equal(r.proxyHeadline, 'in-car cameras');
  const direct = (await proxyCrossValidate(rows, { ...CONFIG, l2: thrice.l2, seed: 'proxy#2' })).p;
  assert.equal(headline.mcc.values[1], proxyScores(direct, rows).scores['in-car cameras']!.mcc);
  assert.equal(
    new Set(headline.mcc.values).size,
    3,
    `three draws, three folds: ${headline.mcc.values.join(', ')}`,
  );
  assert.equal(new Set(r.cv.mcc.values).size, 3, `grouped CV draws: ${r.cv.mcc.values.join(', ')}`);
  assert.ok(r.proxy!['in-car: roadwork vs KITTI'] !== undefined, Object.keys(r.proxy!).join(', '));
  // The first draw is the unrepeated run: its tables are the same numbers.
  assert.equal(thrice.proxy!.headline!.mcc.value, headline.mcc.values[0]);
  assert.deepEqual(thrice.proxy, once.proxy);
  assert.deepEqual(thrice.report.overall, once.report.overall);
  assert.deepEqual(thrice.head.layers, once.head.layers);
  assert.equal(thrice.head.temperature, once.head.temperature);
  // The L2 is the one with the best mean over the draws, as logged.
  const means = lines.flatMap(
    (l) => /same-camera proxy over 3 draws of the folds MCC (-?[\d.]+) ±/.exec(l)?.[1] ?? [],
  );
  assert.equal(means.length, 2, lines.join('\n'));
  assert.equal(
    lines.filter((l) => /^ {2}draw [123]\/3 \(seed proxy(#[23])?\): same-camera proxy MCC/.test(l)).length,
    6,
  );
  assert.equal(headline.mcc.mean.toFixed(3), Math.max(...means.map(Number)).toFixed(3));
  const recorded = thrice.head.metrics?.repeats as {
    seeds: string[];
    proxy_headline: { mcc: { mean: number } };
  };
  assert.deepEqual(recorded.seeds, r.seeds);
  assert.equal(recorded.proxy_headline.mcc.mean, headline.mcc.mean);

  // Two recipes over the same draws compare draw by draw; other draws, or none, do not pair.
  const other = await trainHead(rows, 'test-embedder', { ...options, l2: [1000], repeats: 3, log: () => {} });
  const paired = pairRepeats(thrice.head.metrics, other.head.metrics);
  assert.ok(paired !== undefined && 'paired' in paired, JSON.stringify(paired));
  assert.equal(paired.draws, 3);
  assert.deepEqual(
    paired.paired.map((d) => d.name),
    ['grouped CV MCC', 'grouped CV AUC', 'proxy headline MCC', 'proxy headline AUC'],
  );
  const proxyMcc = paired.paired[2]!;
  const otherHeadline = other.repeats!.proxy!['in-car cameras']!.mcc.values;
  assert.deepEqual(
    proxyMcc.difference.values,
    otherHeadline.map((v, i) => v - headline.mcc.values[i]!),
  );
  assert.equal(
    proxyMcc.higher + proxyMcc.lower,
    3 - proxyMcc.difference.values.filter((d) => d === 0).length,
  );
  const twice = await trainHead(rows, 'test-embedder', { ...options, l2: [0.01], repeats: 2, log: () => {} });
  assert.match(
    (pairRepeats(thrice.head.metrics, twice.head.metrics) as { unpaired: string }).unpaired,
    /their draws differ \(seeds proxy,proxy#2,proxy#3 against proxy,proxy#2\)/,
  );
  assert.deepEqual(pairRepeats(once.head.metrics, thrice.head.metrics), {
    unpaired: 'only b was trained with --repeats or --view-seeds',
  });
  assert.equal(pairRepeats(once.head.metrics, once.head.metrics), undefined);
});

test('trainHead with other views (--view-seeds) runs every draw of the folds on each set of views, as separate runs at their seeds would', async () => {
  // Two draws of the views: the same images, features drawn anew, each with its own training-only
  // views and synthetic rows.
  const set = (seed: string) => ({
    rows: styledRows(1.5, seed),
    extraViews: styledRows(1.5, `${seed}-extra`),
    synthetic: styledRows(1.5, `${seed}-synthetic`).slice(0, 30),
  });
  const [a, b] = [set('views-a'), set('views-b')];
  const run = (x: ReturnType<typeof set>, seed: string, l2: number[]) =>
    trainHead(x.rows, 'test-embedder', {
      ...CONFIG,
      seed,
      l2,
      repeats: 2,
      log: () => {},
      extraViews: x.extraViews,
      synthetic: { rows: x.synthetic, weight: 0.5 },
      proxy: { rows: x.rows, extraViews: x.extraViews },
    });
  const lines: string[] = [];
  const joint = await trainHead(a.rows, 'test-embedder', {
    ...CONFIG,
    seed: 'va',
    l2: [0.01, 100],
    repeats: 2,
    log: (l) => lines.push(l),
    extraViews: a.extraViews,
    synthetic: { rows: a.synthetic, weight: 0.5 },
    proxy: { rows: a.rows, extraViews: a.extraViews },
    otherViews: [{ seed: 'vb', ...b, proxy: { rows: b.rows, extraViews: b.extraViews } }],
  });
  const r = joint.repeats!;
  assert.deepEqual(r.seeds, ['va', 'va#2', 'vb', 'vb#2']);
  assert.deepEqual(r.views, ['va', 'va', 'vb', 'vb']);
  // Draws on each set of views are those of a run at its seed, at the L2 chosen.
  const [alone, other] = [await run(a, 'va', [joint.l2]), await run(b, 'vb', [joint.l2])];
  const headline = (x: typeof joint) => x.repeats!.proxy!['in-car cameras']!.mcc.values;
  assert.deepEqual(r.cv.mcc.values, [...alone.repeats!.cv.mcc.values, ...other.repeats!.cv.mcc.values]);
  assert.deepEqual(headline(joint), [...headline(alone), ...headline(other)]);
  assert.deepEqual(
    r.byViews!.map((v) => [v.seed, v.cv.mcc.mean, v.proxyHeadline!.mcc.mean]),
    [alone, other].map((x, i) => [
      ['va', 'vb'][i],
      x.repeats!.cv.mcc.mean,
      x.repeats!.proxy!['in-car cameras']!.mcc.mean,
    ]),
  );
  // ...which are the cross-validation of that seed's rows, training-only views and weighted synthetic rows.
  const direct = await crossValidate(b.rows, {
    ...CONFIG,
    seed: 'vb#2',
    l2: joint.l2,
    extraViews: b.extraViews,
    synthetic: { rows: b.synthetic, weight: 0.5 },
  });
  const y = Uint8Array.from(b.rows, (row) => row.label);
  assert.equal(
    r.cv.mcc.values[3],
    evaluate(crossCalibrate(direct.logits, y, direct.fold, 5), b.rows, 'x').overall.mcc!.value,
  );
  // The tables and the head are the own views' alone.
  assert.deepEqual(joint.head.layers, alone.head.layers);
  assert.deepEqual(joint.proxy, alone.proxy);
  // The L2 is the best mean over all four draws.
  const otherL2 = joint.l2 === 0.01 ? 100 : 0.01;
  const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [alone2, other2] = [await run(a, 'va', [otherL2]), await run(b, 'vb', [otherL2])];
  assert.ok(
    mean(r.cv.mcc.values) >= mean([...alone2.repeats!.cv.mcc.values, ...other2.repeats!.cv.mcc.values]),
    `chose ${joint.l2}`,
  );
  assert.ok(
    lines.some((l) =>
      /grouped 5-fold CV over 4 draws \(views of seeds va, vb; 2 draws of the folds each\): MCC/.test(l),
    ),
    lines.join('\n'),
  );
  assert.equal(
    lines.filter((l) => /^ {2}draw 4\/4 \(views vb, folds vb#2\): grouped CV MCC/.test(l)).length,
    2,
  );
  assert.deepEqual((joint.head.metrics?.repeats as { views: string[] }).views, r.views);

  // Paired draw by draw, and seed by seed.
  const at100 = await trainHead(a.rows, 'test-embedder', {
    ...CONFIG,
    seed: 'va',
    l2: [otherL2],
    repeats: 2,
    log: () => {},
    extraViews: a.extraViews,
    synthetic: { rows: a.synthetic, weight: 0.5 },
    proxy: { rows: a.rows, extraViews: a.extraViews },
    otherViews: [{ seed: 'vb', ...b, proxy: { rows: b.rows, extraViews: b.extraViews } }],
  });
  const paired = pairRepeats(joint.head.metrics, at100.head.metrics);
  assert.ok(paired !== undefined && 'paired' in paired, JSON.stringify(paired));
  const cv = paired.paired[0]!;
  const d = cv.difference.values;
  assert.deepEqual(
    cv.byViews!.map((v) => [v.views, v.mean, v.higher, v.lower]),
    [
      [
        'va',
        mean(d.slice(0, 2)),
        d.slice(0, 2).filter((x) => x > 0).length,
        d.slice(0, 2).filter((x) => x < 0).length,
      ],
      [
        'vb',
        mean(d.slice(2)),
        d.slice(2).filter((x) => x > 0).length,
        d.slice(2).filter((x) => x < 0).length,
      ],
    ],
  );
  // A run on the own views alone does not pair with it; nor do other images.
  assert.match(
    (pairRepeats(alone.head.metrics, joint.head.metrics) as { unpaired: string }).unpaired,
    /their draws differ/,
  );
  await assert.rejects(
    trainHead(a.rows, 'test-embedder', {
      ...CONFIG,
      l2: [0.1],
      log: () => {},
      otherViews: [{ seed: 'vb', rows: [...b.rows].reverse() }],
    }),
    (err) =>
      isRoadworkError(err) &&
      err.code === 'ERR_DATASET_INVALID' &&
      /seed vb hold other images/.test(err.message),
  );
  // Proxy rows on one side only: said as such, not as other images.
  await assert.rejects(
    trainHead(a.rows, 'test-embedder', {
      ...CONFIG,
      l2: [0.1],
      log: () => {},
      proxy: { rows: a.rows },
      otherViews: [{ seed: 'vb', rows: b.rows }],
    }),
    (err) =>
      isRoadworkError(err) &&
      err.code === 'ERR_CONFIG_INVALID' &&
      /seed vb have no proxy rows/.test(err.message),
  );
  await assert.rejects(
    trainHead(a.rows, 'test-embedder', {
      ...CONFIG,
      l2: [0.1],
      log: () => {},
      otherViews: [{ seed: 'vb', rows: b.rows, proxy: { rows: b.rows } }],
    }),
    (err) =>
      isRoadworkError(err) &&
      err.code === 'ERR_CONFIG_INVALID' &&
      /seed vb have proxy rows, but the run does not score/.test(err.message),
  );
});
