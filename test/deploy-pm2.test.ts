// deploy/pm2/ecosystem.config.cjs: PM2 (the devDependency) starts the recipe as is with its own PM2_HOME
// in a temporary folder; the miner answers /health and /metrics on loopback, `pm2 jlist` shows it online
// with the recipe's restart and stop settings, `pm2 stop` lets it drain and exit by itself, and the PM2
// daemon is killed whatever happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MODEL } from '../src/app/miner/index.js';
import { MINER_SECRET, writeValidatorMetagraph } from './_harness.js';
import { freePort } from './fixtures/ports.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ECOSYSTEM = join(ROOT, 'deploy/pm2/ecosystem.config.cjs');
const PM2 = createRequire(import.meta.url).resolve('pm2/bin/pm2');
const run = promisify(execFile);

interface Pm2Process {
  readonly name: string;
  readonly pid: number;
  readonly pm2_env: {
    readonly status: string;
    readonly kill_timeout?: number;
    readonly max_memory_restart?: number;
    readonly autorestart?: boolean;
    readonly stop_exit_codes?: number | readonly number[];
    readonly pm_err_log_path?: string;
  };
}

/** Runs the PM2 CLI against the test's own daemon (PM2_HOME), bounded in time. */
function pm2(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [PM2, ...args], { cwd: ROOT, env, timeout: 60_000 });
}

/**
 * Ends what `pm2 kill` left of this test's PM2 (its daemon and apps), by the pids it wrote in its
 * PM2_HOME, each only while its command line still names this PM2_HOME or this repository's CLI.
 */
function killDaemonLeft(home: string): void {
  const pidFiles = [join(home, 'pm2.pid'), ...listed(join(home, 'pids')).map((f) => join(home, 'pids', f))];
  for (const file of pidFiles) {
    const pid = Number(readText(file).trim());
    const cmdline = readText(`/proc/${pid}/cmdline`);
    if (pid > 0 && (cmdline.includes(home) || cmdline.includes(join(ROOT, 'dist/app/cli/main.js'))))
      process.kill(pid, 'SIGKILL');
  }
}

/** A file's text, or '' when it is not there. */
function readText(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** A folder's entries, or none when it is not there. */
function listed(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The dist/ the recipe runs: `npm ci` built it; build it here when a source is newer (npm start's check). */
async function ensureBuilt(): Promise<void> {
  await run(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: ROOT, timeout: 600_000 });
  assert.ok(existsSync(join(ROOT, 'dist/app/cli/main.js')), 'dist/app/cli/main.js was not built');
}

/** GETs `path` from the miner until it answers 200 (bounded); resolves with the body. */
async function answered(port: number, path: string, until: number): Promise<string> {
  for (;;) {
    const res = await fetch(`http://127.0.0.1:${port}${path}`).catch(() => undefined);
    if (res?.status === 200) return res.text();
    assert.ok(
      Date.now() < until,
      `${path} did not answer 200 in time (last: ${res?.status ?? 'no connection'})`,
    );
    await sleep(500);
  }
}

test('with RETRAIN_ARGS the ecosystem file adds the daily retraining app, as the systemd timer runs it', () => {
  const require = createRequire(import.meta.url);
  const saved = process.env.RETRAIN_ARGS;
  process.env.RETRAIN_ARGS = ' --challenges ../gate-set --publish -- --data ../photos ';
  try {
    delete require.cache[ECOSYSTEM];
    const { apps } = require(ECOSYSTEM) as { apps: { name: string; args: string[]; script: string }[] };
    assert.deepEqual(
      apps.map((a) => a.name),
      ['roadwork-miner', 'roadwork-retrain'],
    );
    assert.equal(apps[1]!.script, apps[0]!.script);
    assert.deepEqual(apps[1]!.args.slice(0, 1), ['retrain']);
    assert.deepEqual(apps[1]!.args.slice(3), [
      '--every',
      '1d',
      '--challenges',
      '../gate-set',
      '--publish',
      '--',
      '--data',
      '../photos',
    ]);
  } finally {
    if (saved === undefined) delete process.env.RETRAIN_ARGS;
    else process.env.RETRAIN_ARGS = saved;
    delete require.cache[ECOSYSTEM];
  }
});

test(
  'PM2 runs the ecosystem file: the miner answers on loopback, is online, and drains on pm2 stop',
  { timeout: 720_000 },
  async () => {
    await ensureBuilt();
    const dir = mkdtempSync(join(tmpdir(), 'roadwork-pm2-'));
    const home = join(dir, 'pm2');
    const logs = join(dir, 'logs');
    mkdirSync(home);
    const metagraph = join(dir, 'metagraph.json');
    await writeValidatorMetagraph(metagraph);
    const port = await freePort();
    const envFile = join(dir, 'miner.env');
    writeFileSync(
      envFile,
      [
        `METAGRAPH_FILE=${metagraph}`,
        'AXON_HOST=127.0.0.1',
        `MINER_AXON_PORT=${port}`,
        `ROADWORK_DATA_DIR=${join(dir, 'data')}`,
        `ROADWORK_MODEL=${DEFAULT_MODEL}`,
        `ROADWORK_HOTKEY_SECRET="${MINER_SECRET}"`,
        '',
      ].join('\n'),
    );
    const env = { ...process.env, PM2_HOME: home, MINER_ENV_FILE: envFile, MINER_LOG_DIR: logs };
    try {
      await pm2(env, 'start', ECOSYSTEM);
      const until = Date.now() + 120_000;
      assert.match(await answered(port, '/health', until), /"status":"ok"/);
      assert.match(await answered(port, '/metrics', until), /^roadwork_metagraph_block 1$/m);

      const list = JSON.parse((await pm2(env, 'jlist')).stdout) as Pm2Process[];
      assert.deepEqual(
        list.map((p) => p.name),
        ['roadwork-miner'],
        'no retraining app without RETRAIN_ARGS',
      );
      const [miner] = list;
      assert.equal(miner!.pm2_env.status, 'online');
      assert.ok(miner!.pid > 0);
      assert.equal(miner!.pm2_env.kill_timeout, 30_000);
      assert.equal(miner!.pm2_env.autorestart, true);
      // PM2 keeps a one-code list as the code.
      assert.deepEqual([miner!.pm2_env.stop_exit_codes].flat(), [2]);
      assert.ok((miner!.pm2_env.max_memory_restart ?? 0) > 1 << 30, 'max_memory_restart above 1 GiB');
      assert.equal(miner!.pm2_env.pm_err_log_path, join(logs, 'roadwork-miner.err.log'));

      // PM2's SIGINT: the miner stops in order and exits by itself, well inside kill_timeout.
      const t0 = Date.now();
      await pm2(env, 'stop', 'roadwork-miner');
      assert.ok(Date.now() - t0 < 30_000, `pm2 stop took ${Date.now() - t0} ms`);
      const stopped = JSON.parse((await pm2(env, 'jlist')).stdout) as Pm2Process[];
      assert.equal(stopped[0]?.pm2_env.status, 'stopped');
      const log = readFileSync(join(logs, 'roadwork-miner.err.log'), 'utf8');
      assert.match(log, /"signal":"SIGINT"/);
      assert.match(log, /Miner stopped/);
      await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
    } finally {
      await pm2(env, 'kill').catch(() => undefined);
      killDaemonLeft(home);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
