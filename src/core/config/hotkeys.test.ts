import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoadworkError } from '../errors/index.js';
import { loadConfig, redactSettings } from './index.js';

const MNEMONIC = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Miner2';

test('miner.hotkeys is empty by default: one hotkey, as before', () => {
  assert.deepEqual(loadConfig({ env: {} })['miner.hotkeys'], []);
});

test('miner.hotkeys reads the short form from the environment and objects from a YAML config file', (t) => {
  const env = loadConfig({ env: { ROADWORK_MINER_HOTKEYS: 'miner2/default:8092, miner3/hk:8093' } });
  assert.deepEqual(env['miner.hotkeys'], [
    { name: 'miner2', hotkey: 'default', port: 8092, externalPort: 0, secret: '' },
    { name: 'miner3', hotkey: 'hk', port: 8093, externalPort: 0, secret: '' },
  ]);
  const json = loadConfig({
    env: { ROADWORK_MINER_HOTKEYS: '[{"name":"m2","port":8092,"external_port":9092}]' },
  });
  assert.deepEqual(json['miner.hotkeys'], [
    { name: 'm2', hotkey: 'default', port: 8092, externalPort: 9092, secret: '' },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-hotkeys-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'miner.yaml');
  writeFileSync(
    file,
    [
      'miner:',
      '  hotkeys:',
      '    - { name: miner2, hotkey: default, port: 8092 }',
      `    - { secret: "${MNEMONIC}", port: 8093 }`,
    ].join('\n'),
  );
  const settings = loadConfig({ file, env: {} });
  assert.deepEqual(
    settings['miner.hotkeys'].map((h) => [h.name, h.hotkey, h.port, h.secret]),
    [
      ['miner2', 'default', 8092, ''],
      ['default', 'default', 8093, MNEMONIC],
    ],
  );
  // Printed settings keep the entries and hide only the secret.
  assert.deepEqual(
    (redactSettings(settings)['miner.hotkeys'] as { secret: string }[]).map((h) => h.secret),
    ['', '[redacted]'],
  );
});

test('miner.hotkeys refuses a bad entry with its position and never echoes a secret', () => {
  const bad: [unknown, RegExp][] = [
    ['miner2/default', /entry 1 is not of the form name\/hotkey:port/],
    ['a/b:8092,c/d:8092', /port 8092 is given twice/],
    ['a/b:70000', /entry 1 is not a port from 0 to 65535/],
    [[{ secret: MNEMONIC }], /entry 1 has no port/],
    [[{ secret: MNEMONIC, port: 1, wallet: 'x' }], /entry 1 has unknown keys: wallet/],
    ['[{"port": 1', /the JSON array does not parse/],
  ];
  for (const [value, message] of bad) {
    assert.throws(
      () => loadConfig({ env: {}, defaults: { 'miner.hotkeys': value } }),
      (e) =>
        isRoadworkError(e, 'ERR_CONFIG_INVALID') &&
        message.test(e.message) &&
        e.message.includes('miner.hotkeys') &&
        !e.message.includes('lonely'),
      String(value),
    );
  }
});
