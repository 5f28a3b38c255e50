// One data_dir wherever roadwork runs from; an older version's ./.data is named, never read or moved;
// settings that were never read are refused in a config file and flagged in the environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { SCHEMA, loadConfig } from './index.js';
import { isRoadworkError } from '../errors/index.js';

const root = mkdtempSync(join(tmpdir(), 'roadwork-data-dir-'));
const home = join(root, 'home');

test('data_dir defaults to ~/.roadwork, the same place from every folder', () => {
  assert.equal(SCHEMA.data_dir.default, '~/.roadwork');
  const a = loadConfig({ home, cwd: join(root, 'a') });
  const b = loadConfig({ home, cwd: join(root, 'b') });
  assert.equal(a.data_dir, join(home, '.roadwork'));
  assert.equal(b.data_dir, a.data_dir);
});

test('a data_dir given as ~/… or relative becomes one absolute path when read', () => {
  const cwd = join(root, 'work');
  assert.equal(loadConfig({ home, cwd, flags: { data_dir: '~/state' } }).data_dir, join(home, 'state'));
  assert.equal(loadConfig({ home, cwd, env: { ROADWORK_DATA_DIR: 'rel' } }).data_dir, join(cwd, 'rel'));
  const s = loadConfig({ home, cwd, env: { ROADWORK_MODELS_DIR: '~/m' } });
  assert.equal(s['models.cache_dir'], join(home, 'm'));
  assert.equal(loadConfig({ home, cwd })['models.cache_dir'], '', 'empty still means <data_dir>/models');
  assert.equal(loadConfig({ home, cwd })['embeddings.cache_dir'], '');
});

function legacyFolder(name: string, marker = 'roadwork.sqlite'): string {
  const cwd = join(root, name);
  mkdirSync(join(cwd, '.data'), { recursive: true });
  if (marker) writeFileSync(join(cwd, '.data', marker), '');
  return cwd;
}

function warnings(sources: Parameters<typeof loadConfig>[0]): string[] {
  const out: string[] = [];
  loadConfig({ ...sources, onWarning: (m) => out.push(m) });
  return out;
}

test("an older version's ./.data is named with the command that moves it, and left where it is", () => {
  const cwd = legacyFolder('old');
  const h = join(root, 'fresh-home');
  const [warning, ...more] = warnings({ home: h, cwd });
  assert.equal(more.length, 0);
  assert.match(warning ?? '', new RegExp(`${join(cwd, '.data')} holds state of an older roadwork`));
  assert.ok(warning?.includes(`mv ${join(cwd, '.data')} ${join(h, '.roadwork')}`), warning);
  assert.ok(warning?.includes(`--data_dir ${join(cwd, '.data')}`), warning);
  assert.ok(existsSync(join(cwd, '.data', 'roadwork.sqlite')), 'nothing was moved');
  assert.ok(!existsSync(join(h, '.roadwork')), 'nothing was created');
  // Both places exist: no mv that would nest one in the other.
  mkdirSync(join(h, '.roadwork'), { recursive: true });
  assert.match(warnings({ home: h, cwd })[0] ?? '', /both exist: merge by hand/);
});

test('no ./.data warning when data_dir is set on purpose, or .data is not roadwork state', () => {
  const cwd = legacyFolder('chosen', 'wallets');
  assert.equal(warnings({ home, cwd }).length, 1);
  assert.deepEqual(warnings({ home, cwd, flags: { data_dir: join(root, 'x') } }), []);
  assert.deepEqual(warnings({ home, cwd, env: { ROADWORK_DATA_DIR: '.data' } }), []);
  const file = join(root, 'settings.yaml');
  writeFileSync(file, `data_dir: ${join(root, 'y')}\n`);
  assert.deepEqual(warnings({ home, cwd, file }), []);
  assert.deepEqual(warnings({ home, cwd: legacyFolder('other-tool', '') }), []);
});

test('model.detector and model.config in a config file are refused with the setting to use', () => {
  for (const [yaml, key, instead] of [
    ['model:\n  detector: ViT\n', 'model.detector', /cascade\.config .*model\.path/],
    ['model.config: ViT_roadwork.yaml\n', 'model.config', /cascade\.config/],
  ] as const) {
    const file = join(root, `removed-${key}.yaml`);
    writeFileSync(file, yaml);
    assert.throws(
      () => loadConfig({ file }),
      (err) =>
        isRoadworkError(err, 'ERR_CONFIG_UNKNOWN_KEY') &&
        err.message.includes(`${key} was never read`) &&
        instead.test(err.message),
    );
  }
  assert.ok(!('model.detector' in SCHEMA) && !('model.config' in SCHEMA));
});

test("the reference miner's IMAGE_DETECTOR names are accepted with a warning that they are not read", () => {
  const env = { IMAGE_DETECTOR: 'ViT', IMAGE_DETECTOR_CONFIG: 'ViT_roadwork.yaml', NETUID: '323' };
  const said = warnings({ env, home, cwd: root });
  assert.equal(said.length, 2);
  assert.match(said[0] ?? '', /^IMAGE_DETECTOR \(setting model\.detector\) is not read .*cascade\.config/);
  assert.match(said[1] ?? '', /^IMAGE_DETECTOR_CONFIG \(setting model\.config\) is not read/);
  assert.equal(loadConfig({ env }).netuid, 323, 'the rest of the file still applies');
});

test('the tests run with a temporary HOME, so no default can write to the real one', (t) => {
  if (process.env.NODE_ENV !== 'test') return t.skip('run through scripts/test.mjs (npm test)');
  assert.notEqual(homedir(), userInfo().homedir, 'scripts/test.mjs gives the tests their own HOME');
  assert.ok(homedir().startsWith(tmpdir()), homedir());
});
