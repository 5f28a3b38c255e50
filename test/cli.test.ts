// The `roadwork` CLI as a user meets it: help, settings errors, wallets, and local mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'roadwork-cli-'));

function roadwork(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/app/cli/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('roadwork --help lists the commands and serve --help lists Bittensor flags with their env names', () => {
  const top = roadwork(['--help']);
  assert.equal(top.code, 0);
  for (const c of ['start', 'serve', 'wallet', 'config']) assert.match(top.out, new RegExp(`\\n\\s+${c}\\b`));
  const serve = roadwork(['serve', '--help']);
  assert.equal(serve.code, 0);
  for (const flag of [
    '--netuid',
    '--wallet.name',
    '--wallet.hotkey',
    '--wallet.path',
    '--axon.port',
    '--subtensor.network',
    '--subtensor.chain_endpoint',
    '--blacklist.force_validator_permit',
    '--blacklist.allow_non_registered',
    '--blacklist.min_stake',
  ]) {
    assert.ok(serve.out.includes(flag), flag);
  }
  assert.match(serve.out, /MINER_AXON_PORT/);
});

test('a bad setting exits 2 naming the key, the value and the fix', () => {
  const r = roadwork(['config', '--axon.port', '99999']);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /ERR_CONFIG_INVALID: Invalid setting axon\.port \(from flag --axon\.port\): "99999"; expected an integer from 0 to 65535/,
  );
  assert.doesNotMatch(r.err, /at .*\.ts:\d+/, 'no stack trace for a user error');
});

test("roadwork config reads the reference miner's miner.env", () => {
  const envFile = join(dir, 'miner.env');
  writeFileSync(
    envFile,
    'NETUID=323\nSUBTENSOR_NETWORK=test\nWALLET_NAME=miner\nMINER_AXON_PORT=8092\nBLACKLIST_FORCE_VALIDATOR_PERMIT=True\n',
  );
  const r = roadwork(['config', '--json', '--env-from', envFile]);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.netuid, 323);
  assert.equal(s['subtensor.network'], 'test');
  assert.equal(s['axon.port'], 8092);
});

test('roadwork wallet create writes a hotkey that wallet show loads, and never overwrites it', () => {
  const flags = ['--wallet.path', join(dir, 'wallets'), '--wallet.name', 'w', '--wallet.hotkey', 'h'];
  const made = roadwork(['wallet', 'create', ...flags, '--quiet']);
  assert.equal(made.code, 0, made.err);
  const ss58 = made.out.trim();
  assert.match(ss58, /^5[1-9A-HJ-NP-Za-km-z]{47}$/);
  assert.equal(roadwork(['wallet', 'show', ...flags]).out.trim(), ss58);
  const again = roadwork(['wallet', 'create', ...flags]);
  assert.equal(again.code, 1);
  assert.match(again.err, /ERR_WALLET_EXISTS/);
  const missing = roadwork(['wallet', 'show', '--wallet.path', join(dir, 'nowhere')]);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /ERR_WALLET_NOT_FOUND: Hotkey file does not exist/);
});

test('a usage error exits 2 with a code, as a bad setting does; --help and --version exit 0', () => {
  const unknown = roadwork(['wallet', 'show', '--wallet.nam', 'x']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /^roadwork: ERR_CONFIG_UNKNOWN_KEY: unknown option '--wallet\.nam'/);
  assert.match(unknown.err, /Did you mean --wallet\.name\?/);
  const missingValue = roadwork(['wallet', 'show', '--wallet.path']);
  assert.equal(missingValue.code, 2);
  assert.match(
    missingValue.err,
    /^roadwork: ERR_CONFIG_INVALID: option '--wallet\.path <value>' argument missing/,
  );
  const command = roadwork(['nosuch']);
  assert.deepEqual([command.code, command.err.split('\n').length], [2, 2]);
  assert.match(command.err, /ERR_CONFIG_INVALID: unknown command 'nosuch'/);
  for (const args of [['--version'], ['wallet', '--help']])
    assert.equal(roadwork(args).code, 0, args.join(' '));
});

test('roadwork start runs a miner and a local validator and prints the final score', () => {
  const r = roadwork(['start', '--count', '16', '--synthetic', '16', '--data_dir', join(dir, 'local')]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /local mode/);
  assert.match(r.out, /Final:\n\s+16 challenges\s+MCC \d\.\d{3}\s+acc\(10\) \d\.\d{3}/);
  assert.match(r.out, /errors 0/);
});
