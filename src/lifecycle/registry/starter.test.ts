// The served starter is always in the registry, and the gate says what it is scoring on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadCascadeConfig, type BackboneHeadConfig } from '../../inference/cascade/index.js';
import { fakeClock } from '../../core/clock/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { synthSource } from '../../data/procedural/index.js';
import { planChallenges, writeChallengeSet } from '../../validation/validator/index.js';
import {
  GATE_SET_DIR,
  cascadeFileOf,
  createBundle,
  ensureProduction,
  getVersion,
  openGateSet,
  productionHistory,
  productionVersion,
  promoteVersion,
  registerBundle,
  type GateScore,
  type RegistryDeps,
} from './index.js';
import { STARTER_04_HEADS, STARTER_204_HEADS } from '../../../test/fixtures/starter-heads.js';

const STARTER_METRICS = fileURLToPath(new URL('../../../models/starter/metrics.json', import.meta.url));

function setup(t: { after(fn: () => void): void }): { dir: string; deps: RegistryDeps } {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-starter-'));
  const store = openStore(storeFile(join(dir, 'data')));
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, deps: { store, bundlesDir: join(dir, 'data', 'bundles'), clock: fakeClock() } };
}

async function candidate(dir: string, deps: RegistryDeps): Promise<string> {
  writeFileSync(join(dir, 'model.onnx'), 'weights');
  const manifest = await createBundle(join(dir, 'candidate'), {
    files: { 'model.onnx': join(dir, 'model.onnx') },
    config: { stages: [{ name: 'classifier', kind: 'classifier', model: 'model.onnx' }] },
  });
  await registerBundle(join(dir, 'candidate'), deps);
  return manifest.id;
}

test('ensureProduction() registers the bundled starter as production once, under a content id', async (t) => {
  const { deps } = setup(t);
  const seeded = await ensureProduction(deps);
  assert.ok(seeded);
  assert.equal(productionVersion(deps.store)?.id, seeded.id);
  assert.equal(await ensureProduction(deps), undefined, 'a second call changes nothing');
  // Recorded with what its stages measured (the mean of each route's heads), not its first head's.
  const measured = JSON.parse(readFileSync(STARTER_METRICS, 'utf8')) as { mcc: number };
  assert.equal(seeded.manifest.metrics.mcc, measured.mcc);
  assert.deepEqual(Object.keys(seeded.manifest.metrics.routes as object), ['2.0.4', '0.4']);
  assert.deepEqual(
    seeded.manifest.files.map((f) => f.path).sort(),
    [
      'EXPERIMENTS.md',
      'MODEL_CARD.md',
      'cascade.json',
      'metrics.json',
      ...STARTER_04_HEADS,
      ...STARTER_204_HEADS,
    ].sort(),
  );
  const [event] = productionHistory(deps.store);
  assert.deepEqual((event?.detail as { starter: boolean }).starter, true);
  // The registered copy is a cascade serve can load (the head resolves inside the bundle).
  const config = await loadCascadeConfig(cascadeFileOf(seeded));
  assert.equal(config.stages[0]?.common.kind, 'backbone-head');
  assert.deepEqual(
    config.routes?.map((r) =>
      r.config.stages.flatMap((st) =>
        st.common.kind === 'backbone-head' ? (st.config as BackboneHeadConfig).heads : [],
      ),
    ),
    [
      STARTER_204_HEADS.map((f) => join(dirname(cascadeFileOf(seeded)), f)),
      STARTER_04_HEADS.map((f) => join(dirname(cascadeFileOf(seeded)), f)),
    ],
    'each route’s heads resolve inside the bundle',
  );

  // Another store seeded from the same release holds the same id.
  const other = setup(t);
  assert.equal((await ensureProduction(other.deps))?.id, seeded.id);
});

test('the first promotion after seeding must beat the starter: without an evaluator it is refused', async (t) => {
  const { dir, deps } = setup(t);
  await ensureProduction(deps);
  const id = await candidate(dir, deps);
  await assert.rejects(promoteVersion(id, deps), { code: 'ERR_CONFIG_INVALID' });
  const scores: Record<string, GateScore> = {};
  const starter = productionVersion(deps.store)!;
  scores[starter.dir] = { mcc: 0.6, accuracy: 0.8, n: 10 };
  scores[getVersion(deps.store, id).dir] = { mcc: 0.1, accuracy: 0.55, n: 10 };
  const lines: string[] = [];
  await assert.rejects(
    promoteVersion(id, deps, {
      evaluate: async (d) => scores[d]!,
      gate: 'synth:200',
      log: (l) => lines.push(l),
    }),
    { code: 'ERR_PROMOTION_REFUSED', message: /MCC 0\.1000 vs 0\.6000/ },
  );
  assert.equal(productionVersion(deps.store)?.id, starter.id);
  assert.match(lines.join('\n'), /Scoring production m-[0-9a-f]+ on the gate set \(synth:200\)/);
  assert.match(lines.join('\n'), /Scoring candidate/);
});

test('promoteVersion() records --force and the gate set in the history', async (t) => {
  const { dir, deps } = setup(t);
  await ensureProduction(deps);
  const id = await candidate(dir, deps);
  await promoteVersion(id, deps, { force: true });
  const [event] = productionHistory(deps.store);
  assert.equal(event?.version, id);
  assert.equal((event?.detail as { forced: boolean }).forced, true);
});

test('openGateSet() prefers --challenges, then <data_dir>/gate, and warns loudly on procedural scenes', async (t) => {
  const { dir } = setup(t);
  const dataDir = join(dir, 'data');
  const fallback = await openGateSet(undefined, dataDir);
  assert.equal(fallback.spec, 'synth:200');
  assert.match(fallback.warning ?? '', /near chance.*roadwork challenges --data REAL_IMAGES/);
  assert.match((await openGateSet('synth:50', dataDir)).warning ?? '', /synth:50/);

  const gateDir = join(dataDir, GATE_SET_DIR);
  await writeChallengeSet(planChallenges(synthSource(6), { protocol: '2.0.4' }), gateDir, {
    count: 4,
    seed: 'gate',
  });
  const configured = await openGateSet(undefined, dataDir);
  assert.equal(configured.spec, gateDir);
  assert.equal(configured.warning, undefined);
});

test("ensureProduction() records a default cascade's metrics.json, else its head.json's headline, and refuses a broken one", async (t) => {
  const seededWith = async (files: Record<string, string>) => {
    const { dir, deps } = setup(t);
    const folder = join(dir, 'starter');
    mkdirSync(folder);
    writeFileSync(
      join(folder, 'cascade.yaml'),
      'stages:\n  - {name: c, kind: classifier, model: model.onnx}\n',
    );
    writeFileSync(join(folder, 'model.onnx'), 'weights');
    for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
    return ensureProduction(deps, { cascadeFile: join(folder, 'cascade.yaml') });
  };
  const head = JSON.stringify({ metrics: { overall: { mcc: { value: 0.47 }, auc: { value: 0.85 } } } });
  const fromHead = await seededWith({ 'head.json': head });
  assert.equal(fromHead?.manifest.metrics.mcc, 0.47);
  assert.equal(fromHead?.manifest.metrics.auc, 0.85);

  const stages = { mcc: 0.59, routes: { '2.0.4': { slices: { 'cv all': { n: 10 } } } } };
  const fromFile = await seededWith({ 'head.json': head, 'metrics.json': JSON.stringify(stages) });
  assert.equal(fromFile?.manifest.metrics.mcc, 0.59);
  assert.deepEqual(fromFile?.manifest.metrics.routes, stages.routes);
  assert.match(String(fromFile?.manifest.metrics.source), /the bundled default cascade/);

  for (const broken of ['{"mcc": 0.5', '[0.5]'])
    await assert.rejects(seededWith({ 'metrics.json': broken }), {
      code: 'ERR_CONFIG_INVALID',
      message: /metrics\.json: not a JSON object/,
    });
});
