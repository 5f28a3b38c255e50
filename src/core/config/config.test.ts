import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCHEMA, loadConfig, parseEnvFile, redactSettings, settingsEnvironment } from './index.js';
import { isRoadworkError } from '../errors/index.js';

const dir = mkdtempSync(join(tmpdir(), 'roadwork-config-'));

test('loadConfig() gives the documented defaults and freezes them', () => {
  const s = loadConfig();
  assert.equal(s.netuid, 72);
  assert.equal(s['axon.port'], 8091);
  assert.equal(s['blacklist.force_validator_permit'], true);
  assert.ok(Object.isFrozen(s));
  assert.throws(() => {
    (s as Record<string, unknown>).netuid = 1;
  });
});

test('loadConfig() takes flags over environment over file over defaults', () => {
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'netuid: 5\naxon:\n  port: 7000\nwallet:\n  name: fromfile\n');
  const s = loadConfig({
    file,
    env: { MINER_AXON_PORT: '7001', WALLET_NAME: 'fromenv' },
    flags: { 'wallet.name': 'fromflag' },
  });
  assert.equal(s.netuid, 5);
  assert.equal(s['axon.port'], 7001);
  assert.equal(s['wallet.name'], 'fromflag');
});

test("loadConfig() accepts the reference miner's miner.env names and Python booleans", () => {
  const env = parseEnvFile(
    '# miner.env\nNETUID=323\nSUBTENSOR_NETWORK=test\nWALLET_NAME="miner"\nWALLET_HOTKEY=default\nMINER_AXON_PORT=8092 # comment\nBLACKLIST_FORCE_VALIDATOR_PERMIT=False\nIMAGE_DETECTOR_DEVICE=cuda\n',
  );
  const s = loadConfig({ env });
  assert.equal(s.netuid, 323);
  assert.equal(s['subtensor.network'], 'test');
  assert.equal(s['wallet.name'], 'miner');
  assert.equal(s['axon.port'], 8092);
  assert.equal(s['blacklist.force_validator_permit'], false);
  assert.equal(s['model.device'], 'cuda');
});

test('loadConfig() names the key, the value and the fix for a bad value', () => {
  assert.throws(
    () => loadConfig({ env: { MINER_AXON_PORT: '80a' } }),
    (err) =>
      isRoadworkError(err, 'ERR_CONFIG_INVALID') &&
      /axon\.port/.test(err.message) &&
      /MINER_AXON_PORT/.test(err.message) &&
      /"80a"/.test(err.message) &&
      /integer from 0 to 65535/.test(err.message),
  );
  assert.throws(
    () => loadConfig({ flags: { 'subtensor.network': 'mainnet' } }),
    /one of: finney, test, local/,
  );
});

test('loadConfig() refuses a store.url that is not a PostgreSQL URL and names that are not one file name', () => {
  for (const url of ['junk', 'http://h/db', 'postgres:/x', './querylog.sqlite'])
    assert.throws(
      () => loadConfig({ flags: { 'store.url': url }, env: {} }),
      (e) =>
        isRoadworkError(e, 'ERR_CONFIG_INVALID') &&
        /empty or a URL starting postgres:\/\/ or postgresql:\/\//.test((e as Error).message) &&
        // A URL may hold a password: the value itself is never echoed.
        !(e as Error).message.includes(url),
      url,
    );
  for (const url of ['', 'postgres://u:p@127.0.0.1:5432/q', 'postgresql://h/db'])
    assert.equal(loadConfig({ flags: { 'store.url': url }, env: {} })['store.url'], url);
  for (const [key, value] of [
    ['wallet.name', '../escape'],
    ['wallet.hotkey', 'a/b'],
    ['wallet.name', '..'],
  ] as const)
    assert.throws(
      () => loadConfig({ flags: { [key]: value }, env: {} }),
      (e) => isRoadworkError(e, 'ERR_CONFIG_INVALID') && /one file or folder name/.test((e as Error).message),
    );
});

test('loadConfig() rejects unknown keys in a config file with a suggestion', () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ axon: { prot: 1, port: 2 } }));
  assert.throws(
    () => loadConfig({ file }),
    (err) => isRoadworkError(err, 'ERR_CONFIG_UNKNOWN_KEY') && /axon\.prot/.test(err.message),
  );
  writeFileSync(file, '{not json');
  assert.throws(
    () => loadConfig({ file }),
    (err) => isRoadworkError(err, 'ERR_CONFIG_FILE'),
  );
  assert.throws(
    () => loadConfig({ file: join(dir, 'missing.yaml') }),
    (err) => isRoadworkError(err, 'ERR_CONFIG_FILE'),
  );
});

test('redactSettings() hides the hotkey secret, also in error messages', () => {
  const s = loadConfig({ env: { ROADWORK_HOTKEY_SECRET: 'bottom drive obey lake' } });
  assert.equal(redactSettings(s)['wallet.secret'], '[redacted]');
  assert.throws(
    () => loadConfig({ flags: { 'wallet.secret': { a: 1 } } }),
    (err) => !/"a"/.test((err as Error).message),
  );
});

test('redactSettings() and errors mask a password inside a URL setting', () => {
  const s = loadConfig({ env: { REDIS_URL: 'redis://:hunter2@10.0.0.5:6379/0' } });
  const shown = JSON.stringify(redactSettings(s));
  assert.doesNotMatch(shown, /hunter2/);
  assert.match(shown, /redis:\/\/:redacted@10\.0\.0\.5:6379\/0/);
  assert.equal(s['cache.redis_url'], 'redis://:hunter2@10.0.0.5:6379/0', 'the real value is kept for use');
});

test('list settings accept comma lists and arrays', () => {
  assert.deepEqual(loadConfig({ env: { BLACKLIST_DENY: ' 5Abc, 5Def ,' } })['blacklist.deny'], [
    '5Abc',
    '5Def',
  ]);
  // A JSON array keeps an item's commas: a retrain argument that is itself JSON.
  const args = ['--', '--embedder-options', '{"tiles":3,"pooling":"max"}', '--data', '{labelled}'];
  assert.deepEqual(
    loadConfig({ env: { ROADWORK_UI_RETRAIN_ARGS: ` ${JSON.stringify(args)}` } })['ui.retrain_args'],
    args,
  );
  assert.deepEqual(loadConfig({ flags: { 'ui.retrain_args': args } })['ui.retrain_args'], args);
  for (const bad of ['["--data", 3]', '[not json', '[{"a":1}]']) {
    assert.throws(
      () => loadConfig({ env: { ROADWORK_UI_RETRAIN_ARGS: bad } }),
      (e: unknown) =>
        isRoadworkError(e, 'ERR_CONFIG_INVALID') && /a JSON array of strings/.test((e as Error).message),
    );
  }
});

test('settingsEnvironment() carries every setting to a child: read back from the environment alone, they are the same', () => {
  // Non-defaults from a config file and flags, of every kind: a list item with a comma, a boolean,
  // numbers, a path, a secret and a URL with a password.
  const file = join(dir, 'child.yaml');
  writeFileSync(
    file,
    'ui:\n  retrain_args: ["--", "--embedder-options", "{\\"tiles\\":3,\\"pooling\\":\\"max\\"}"]\nmodel:\n  workers: 3\n',
  );
  const parent = loadConfig({
    file,
    flags: {
      'blacklist.force_validator_permit': 'false',
      'eval.record_labels': 'false',
      'store.url': 'postgres://roadwork:pw@127.0.0.1:5432/q',
      data_dir: join(dir, 'state'),
      'roi.gpu_usd_per_hour': '1.25',
      'ui.token': 'secret-token',
    },
    env: {},
  });
  assert.deepEqual(parent['ui.retrain_args'], ['--', '--embedder-options', '{"tiles":3,"pooling":"max"}']);
  const env = settingsEnvironment(parent);
  const child = loadConfig({ env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')) });
  for (const key of Object.keys(SCHEMA) as (keyof typeof SCHEMA)[]) {
    if (key === 'miner.hotkeys') continue;
    assert.deepEqual(child[key], parent[key], key);
  }
  // Every name of a setting is pinned, so an inherited alias cannot win over the value given here.
  for (const spec of Object.values(SCHEMA)) for (const name of spec.env) assert.ok(name in env, name);
});
