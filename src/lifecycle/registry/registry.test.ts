import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeClock } from '../../core/clock/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { createLogger } from '../../core/log/index.js';
import { linearImageModel } from '../../../test/fixtures/onnx-models.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { synthSource } from '../../data/procedural/index.js';
import {
  challengeEvaluator,
  createBundle,
  currentCanary,
  startCanary,
  stopCanary,
  diffVersions,
  getVersion,
  productionVersion,
  promoteVersion,
  registerBundle,
  rollbackProduction,
  verifyBundle,
  type RegistryDeps,
} from './index.js';

const BASELINE = fileURLToPath(new URL('../../../models/baseline/model.onnx', import.meta.url));

function setup(t: { after(fn: () => void): void }): { dir: string; deps: RegistryDeps } {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-registry-'));
  const store = openStore(storeFile(join(dir, 'data')));
  t.after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, deps: { store, bundlesDir: join(dir, 'data', 'bundles'), clock: fakeClock() } };
}

const classifier = (model: string) => ({ stages: [{ name: 'classifier', kind: 'classifier', model }] });

const RAW_PIXELS = { normalization: JSON.stringify({ mean: [0, 0, 0], std: [1, 1, 1] }) };

// A colour rule fitted once on synthetic scenes (redder, less blue: cones and barriers): MCC ≈ 0.46 here.
function colourModel(dir: string): string {
  const file = join(dir, 'colour.onnx');
  writeFileSync(file, linearImageModel({ weights: [0.16, -0.2, -0.35], bias: 0.135, metadata: RAW_PIXELS }));
  return file;
}

// A model that answers 0.5 to everything: rounded to 0 by validators, so its MCC is 0.
function constantModel(dir: string): string {
  const file = join(dir, 'constant.onnx');
  writeFileSync(file, linearImageModel({ weights: [0, 0, 0], bias: 0, metadata: RAW_PIXELS }));
  return file;
}

async function bundles(dir: string) {
  const good = await createBundle(join(dir, 'good'), {
    files: { 'model.onnx': colourModel(dir) },
    config: classifier('model.onnx'),
    metrics: { mcc: 0.5 },
    dataVersion: 'd-1',
  });
  const bad = await createBundle(join(dir, 'bad'), {
    files: { 'model.onnx': constantModel(dir) },
    config: classifier('model.onnx'),
    metrics: { mcc: 0 },
    dataVersion: 'd-1',
  });
  return { good, bad };
}

test('createBundle() writes a manifest with every file checksummed and verifyBundle() accepts it', async (t) => {
  const { dir } = setup(t);
  const m = await createBundle(join(dir, 'b'), {
    files: { 'weights/model.onnx': BASELINE },
    config: classifier('weights/model.onnx'),
    metrics: { mcc: 0.4 },
    dataVersion: 'd-abc',
    parent: 'm-parent',
  });
  assert.match(m.id, /^m-[0-9a-f]{16}$/);
  assert.deepEqual(m.files.map((f) => f.path).sort(), ['cascade.json', 'weights/model.onnx']);
  assert.equal(m.files.find((f) => f.path === 'weights/model.onnx')?.bytes, readFileSync(BASELINE).length);
  assert.deepEqual(await verifyBundle(join(dir, 'b')), m);
});

test('verifyBundle() refuses a bundle whose model file was tampered with, naming the file', async (t) => {
  const { dir } = setup(t);
  await createBundle(join(dir, 'b'), { files: { 'model.onnx': BASELINE }, config: classifier('model.onnx') });
  const bytes = readFileSync(join(dir, 'b', 'model.onnx'));
  bytes[bytes.length - 1]! ^= 1;
  writeFileSync(join(dir, 'b', 'model.onnx'), bytes);
  await assert.rejects(
    verifyBundle(join(dir, 'b')),
    (err) => isRoadworkError(err, 'ERR_MODEL_LOAD') && /checksum: .*model\.onnx/.test(err.message),
  );
});

test('verifyBundle() refuses a bundle whose manifest metrics were edited', async (t) => {
  const { dir } = setup(t);
  await createBundle(join(dir, 'b'), { files: {}, config: classifier(BASELINE), metrics: { mcc: 0.1 } });
  const path = join(dir, 'b', 'manifest.json');
  writeFileSync(path, readFileSync(path, 'utf8').replace('"mcc": 0.1', '"mcc": 0.9'));
  await assert.rejects(
    verifyBundle(join(dir, 'b')),
    (err) => isRoadworkError(err, 'ERR_MODEL_LOAD') && /modified/.test(err.message),
  );
});

test('registerBundle() copies and records a version once, and refuses a tampered bundle', async (t) => {
  const { dir, deps } = setup(t);
  const { good, bad } = await bundles(dir);
  const first = await registerBundle(join(dir, 'good'), deps);
  assert.equal(first.created, true);
  assert.equal(first.version.id, good.id);
  assert.equal((await registerBundle(join(dir, 'good'), deps)).created, false);
  assert.equal(getVersion(deps.store, good.id.slice(0, 8)).id, good.id);
  appendFileSync(join(dir, 'bad', 'cascade.json'), ' ');
  await assert.rejects(registerBundle(join(dir, 'bad'), deps), (err) =>
    isRoadworkError(err, 'ERR_MODEL_LOAD'),
  );
  assert.throws(
    () => getVersion(deps.store, bad.id),
    (err) => isRoadworkError(err, 'ERR_VERSION_UNKNOWN'),
  );
});

test('promoteVersion() refuses a worse candidate and accepts a better one on the same offline challenges', async (t) => {
  const { dir, deps } = setup(t);
  const { good, bad } = await bundles(dir);
  await registerBundle(join(dir, 'good'), deps);
  await registerBundle(join(dir, 'bad'), deps);
  const evaluate = challengeEvaluator({
    source: synthSource(24, { seed: 'gate', width: 256, height: 192 }),
    seed: 'gate-seed',
    count: 48,
    // The gate's logic on the 2.0.4 challenges this test was written for (0.4 is the CLI's default).
    protocol: '2.0.4',
    runtime: {
      cacheDir: join(dir, 'cache'),
      offline: true,
      device: 'cpu',
      workers: 1,
      logger: createLogger({ level: 'silent' }),
    },
    logger: createLogger({ level: 'silent' }),
  });
  // First promotion: nothing to beat.
  const first = await promoteVersion(bad.id, deps, { evaluate });
  assert.equal(first.candidate, undefined);
  assert.equal(productionVersion(deps.store)?.id, bad.id);
  const better = await promoteVersion(good.id, deps, { evaluate, margin: 0.02 });
  assert.equal(better.production?.mcc, 0);
  assert.ok(better.candidate!.mcc >= 0.3, `colour model MCC ${better.candidate!.mcc}`);
  assert.equal(productionVersion(deps.store)?.id, good.id);
  await assert.rejects(
    promoteVersion(bad.id, deps, { evaluate, margin: 0.02 }),
    (err) =>
      isRoadworkError(err, 'ERR_PROMOTION_REFUSED') &&
      err.message.includes('MCC 0.0000 vs') &&
      err.message.includes(better.candidate!.mcc.toFixed(4)),
  );
  assert.equal(productionVersion(deps.store)?.id, good.id, 'production unchanged after a refusal');
  // Promoting production again, forced or not, changes and records nothing, and says so.
  const again = await promoteVersion(good.id, deps, { force: true });
  assert.deepEqual([again.unchanged, again.forced, again.previous?.id], [true, false, good.id]);
  assert.equal(rollbackProduction(deps).to.id, bad.id, 'the history holds no second entry for it');
});

test('rollbackProduction() restores the previous production, twice in a row going further back', async (t) => {
  const { dir, deps } = setup(t);
  const { good, bad } = await bundles(dir);
  const third = await createBundle(join(dir, 'third'), {
    files: { 'model.onnx': BASELINE },
    config: classifier('model.onnx'),
    parent: good.id,
  });
  for (const b of ['good', 'bad', 'third']) await registerBundle(join(dir, b), deps);
  await promoteVersion(good.id, deps);
  await promoteVersion(bad.id, deps, { force: true });
  await promoteVersion(third.id, deps, { force: true });
  assert.deepEqual([rollbackProduction(deps).to.id, productionVersion(deps.store)?.id], [bad.id, bad.id]);
  assert.equal(rollbackProduction(deps).to.id, good.id);
  assert.throws(
    () => rollbackProduction(deps),
    (err) => isRoadworkError(err, 'ERR_VERSION_UNKNOWN'),
  );
  assert.equal(productionVersion(deps.store)?.id, good.id);
});

test('diffVersions() lists changed metrics, config and files', async (t) => {
  const { dir, deps } = setup(t);
  const { good, bad } = await bundles(dir);
  await registerBundle(join(dir, 'good'), deps);
  await registerBundle(join(dir, 'bad'), deps);
  const diff = await diffVersions(getVersion(deps.store, good.id), getVersion(deps.store, bad.id));
  assert.deepEqual(diff.metrics, [{ key: 'mcc', a: 0.5, b: 0 }]);
  assert.deepEqual(diff.files, [{ path: 'model.onnx', change: 'changed' }]);
  assert.deepEqual(diff.config, []);
});

test('a canary starts, re-shares and stops in the store; production cannot be its own canary; promoting it ends it', async (t) => {
  const { dir, deps } = setup(t);
  const { good, bad } = await bundles(dir);
  await registerBundle(join(dir, 'good'), deps);
  await registerBundle(join(dir, 'bad'), deps);
  await promoteVersion(bad.id, deps);
  assert.equal(currentCanary(deps.store), undefined);
  assert.equal(stopCanary(deps.store, deps.clock), undefined);
  assert.throws(
    () => startCanary(deps.store, deps.clock, bad.id, 0.1),
    (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID') && /production already/.test(e.message),
  );
  for (const share of [0, 1.5, Number.NaN])
    assert.throws(
      () => startCanary(deps.store, deps.clock, good.id, share),
      (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID'),
    );
  assert.throws(
    () => startCanary(deps.store, deps.clock, 'm-nope', 0.1),
    (e) => isRoadworkError(e, 'ERR_VERSION_UNKNOWN'),
  );
  assert.deepEqual(startCanary(deps.store, deps.clock, good.id.slice(0, 8), 0.1).version, good.id);
  startCanary(deps.store, deps.clock, good.id, 0.3);
  assert.equal(currentCanary(deps.store)?.share, 0.3);
  assert.equal(stopCanary(deps.store, deps.clock)?.version, good.id);
  assert.equal(currentCanary(deps.store), undefined);

  startCanary(deps.store, deps.clock, good.id, 0.2);
  await promoteVersion(good.id, deps, { force: true });
  assert.equal(currentCanary(deps.store), undefined, 'the promoted canary is production: no canary');
  rollbackProduction(deps);
  assert.equal(currentCanary(deps.store), undefined, 'a rollback does not bring the canary back');
});
