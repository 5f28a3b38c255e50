// deploy/systemd: systemd-analyze verifies every unit (with ExecStart pointed at this machine's node,
// which verify requires to exist) and rates the services' hardening, and they keep the settings the
// operations guide promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { programMissing, requirement } from './fixtures/requirements.js';

const ANALYZE = '/usr/bin/systemd-analyze';
const read = (name: string): string =>
  readFileSync(new URL(`../deploy/systemd/${name}`, import.meta.url), 'utf8');
const UNIT = read('roadwork-miner.service');
const UNITS = ['roadwork-miner.service', 'roadwork-retrain.service', 'roadwork-retrain.timer'] as const;
const run = promisify(execFile);
const skip = requirement(programMissing(ANALYZE, 'systemd'));

/**
 * Every unit in a temporary folder (a timer is verified beside its service), services with ExecStart's
 * node replaced by this one; `file(name)` is a unit's path; removed by `done`.
 */
function unitsHere(): { file: (name: string) => string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-systemd-'));
  for (const name of UNITS) {
    const text = read(name);
    if (name.endsWith('.service'))
      assert.equal(
        text.split('ExecStart=/usr/bin/node ').length,
        2,
        `${name}: ExecStart should start with /usr/bin/node`,
      );
    writeFileSync(
      join(dir, name),
      text.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `),
    );
  }
  return { file: (name) => join(dir, name), done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The values of `key=` in a unit (default the miner's), in order. */
function values(key: string, unit = UNIT): string[] {
  return [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
}

test('the unit keeps its promises: hardening, writable data dir only, restarts, miner.env, open files', () => {
  assert.deepEqual(values('NoNewPrivileges'), ['yes']);
  assert.deepEqual(values('ProtectSystem'), ['strict']);
  assert.deepEqual(values('Restart'), ['on-failure']);
  assert.ok(Number(values('LimitNOFILE')[0]) >= 65536);
  const user = values('User')[0];
  assert.ok(user !== undefined && user !== 'root', 'a dedicated user');
  // The one writable path is the miner's data_dir, the state directory systemd creates for the user.
  const dataDir = values('Environment')
    .find((e) => e.startsWith('ROADWORK_DATA_DIR='))
    ?.split('=')[1];
  assert.equal(dataDir, `/var/lib/${values('StateDirectory')[0]}`);
  assert.deepEqual(values('ReadWritePaths'), [dataDir]);
  assert.match(values('ExecStart')[0] ?? '', / serve --env-from \/etc\/roadwork-miner\/miner\.env$/);
  assert.deepEqual(values('MemoryDenyWriteExecute'), [], "V8's JIT cannot run under it");
});

test('the retraining service runs one cycle as the miner’s user, hardened alike, and its timer runs it daily', () => {
  const svc = read('roadwork-retrain.service');
  assert.deepEqual(values('Type', svc), ['oneshot']);
  assert.deepEqual(values('User', svc), values('User'));
  assert.match(
    values('ExecStart', svc)[0] ?? '',
    / retrain --env-from \/etc\/roadwork-miner\/miner\.env \$RETRAIN_ARGS$/,
  );
  for (const key of [
    'NoNewPrivileges',
    'ProtectSystem',
    'ReadWritePaths',
    'SystemCallFilter',
    'CapabilityBoundingSet',
  ])
    assert.deepEqual(values(key, svc), values(key), key);
  const timer = read('roadwork-retrain.timer');
  assert.deepEqual(values('OnCalendar', timer), ['daily']);
  assert.deepEqual(values('Unit', timer), ['roadwork-retrain.service']);
  assert.deepEqual(values('Persistent', timer), ['true']);
});

test('systemd-analyze verify accepts every unit without a warning', { skip, timeout: 60_000 }, async () => {
  const { file, done } = unitsHere();
  try {
    for (const name of UNITS) {
      const { stderr } = await run(ANALYZE, ['verify', file(name)]);
      // verify exits 0 on a value it ignores, but says so on stderr naming the file.
      assert.equal(
        stderr
          .split('\n')
          .filter((l) => l.includes('roadwork-'))
          .join('\n'),
        '',
        name,
      );
    }
  } finally {
    done();
  }
});

test(
  'systemd-analyze security rates both services OK (exposure at most 2.0)',
  { skip, timeout: 60_000 },
  async () => {
    const { file, done } = unitsHere();
    try {
      for (const name of ['roadwork-miner.service', 'roadwork-retrain.service']) {
        const { stdout } = await run(ANALYZE, ['security', '--offline=true', '--no-pager', file(name)]);
        const exposure = Number(
          new RegExp(`Overall exposure level for ${name.replace('.', '\\.')}: ([\\d.]+)`).exec(stdout)?.[1],
        );
        assert.ok(
          exposure <= 2,
          `${name}: exposure ${exposure}:\n${stdout
            .split('\n')
            .filter((l) => l.startsWith('✗'))
            .join('\n')}`,
        );
      }
    } finally {
      done();
    }
  },
);
