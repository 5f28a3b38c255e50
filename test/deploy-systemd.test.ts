// deploy/systemd/roadwork-miner.service: systemd-analyze verifies it (with ExecStart pointed at this
// machine's node, which verify requires to exist) and rates its hardening, and it keeps the settings
// the operations guide promises.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { programMissing, requirement } from './fixtures/requirements.js';

const ANALYZE = '/usr/bin/systemd-analyze';
const UNIT = readFileSync(new URL('../deploy/systemd/roadwork-miner.service', import.meta.url), 'utf8');
const run = promisify(execFile);
const skip = requirement(programMissing(ANALYZE, 'systemd'));

/** The unit with ExecStart's node replaced by this one, in a temporary folder; removed by `done`. */
function unitHere(): { file: string; done: () => void } {
  assert.equal(UNIT.split('ExecStart=/usr/bin/node ').length, 2, 'ExecStart should start with /usr/bin/node');
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-systemd-'));
  const file = join(dir, 'roadwork-miner.service');
  writeFileSync(file, UNIT.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `));
  return { file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The values of `key=` in the unit, in order. */
function values(key: string): string[] {
  return [...UNIT.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!.trim());
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
  assert.match(values('ExecStart')[0] ?? '', / serve --env-file \/etc\/roadwork-miner\/miner\.env$/);
  assert.deepEqual(values('MemoryDenyWriteExecute'), [], "V8's JIT cannot run under it");
});

test('systemd-analyze verify accepts the unit without a warning', { skip, timeout: 60_000 }, async () => {
  const { file, done } = unitHere();
  try {
    const { stderr } = await run(ANALYZE, ['verify', file]);
    // verify exits 0 on a value it ignores, but says so on stderr naming the file.
    assert.equal(
      stderr
        .split('\n')
        .filter((l) => l.includes('roadwork-miner'))
        .join('\n'),
      '',
    );
  } finally {
    done();
  }
});

test(
  'systemd-analyze security rates the unit OK (exposure at most 2.0)',
  { skip, timeout: 60_000 },
  async () => {
    const { file, done } = unitHere();
    try {
      const { stdout } = await run(ANALYZE, ['security', '--offline=true', '--no-pager', file]);
      const exposure = Number(
        /Overall exposure level for roadwork-miner\.service: ([\d.]+)/.exec(stdout)?.[1],
      );
      assert.ok(
        exposure <= 2,
        `exposure ${exposure}:\n${stdout
          .split('\n')
          .filter((l) => l.startsWith('✗'))
          .join('\n')}`,
      );
    } finally {
      done();
    }
  },
);
