// The CLI as a new operator meets it: the reference miner.env, a closed pipe, a port already taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url);
const CLI = ['--import', 'tsx', 'src/app/cli/main.ts'];

function roadwork(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...CLI, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("roadwork config --env-from reads the reference miner's miner.env as the shell does", () => {
  const r = roadwork(['config', '--json', '--env-from', 'test/fixtures/miner.env']);
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as Record<string, unknown>;
  assert.equal(s['model.url'], '', 'the comment after MODEL_URL= is not sent to validators');
  assert.equal(s.netuid, 323);
  assert.equal(s['subtensor.chain_endpoint'], 'wss://test.finney.opentensor.ai:443');
  assert.equal(s['blacklist.force_validator_permit'], true);
});

test('a reader that closes the pipe early (config | head -1) ends the command quietly', async () => {
  for (const args of [['config'], ['config', '--help']]) {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: root,
      // A data_dir of its own: a checkout's old ./.data would add its (wanted) warning to stderr.
      env: { ...process.env, ROADWORK_DATA_DIR: mkdtempSync(join(tmpdir(), 'roadwork-pipe-')) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // every write now fails with EPIPE, as after `head -1` has exited
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(err, '', `no stack trace for ${args.join(' ')}`);
    assert.equal(code, 0, args.join(' '));
  }
});

test('serve on a port already in use stops at once with a coded error naming the port', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as AddressInfo).port;
  try {
    const r = roadwork(
      ['serve', '--axon.host', '127.0.0.1', '--axon.port', String(port), '--metagraph.file', 'none.json'],
      { ROADWORK_HOTKEY_SECRET: '//Miner', LOG_LEVEL: 'info' },
    );
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      new RegExp(
        `roadwork: ERR_PORT_IN_USE: Axon port is already in use: 127\\.0\\.0\\.1:${port}\\. .*--axon\\.port`,
      ),
    );
    assert.doesNotMatch(r.err, /unexpected error|\n\s+at /, 'no stack trace');
    assert.doesNotMatch(r.err, /Axon listening|[Mm]odel.*(loaded|ready)/, 'nothing was loaded first');
  } finally {
    holder.close();
  }
});

test("local mode (npm start) ignores the real miner's port, metagraph and subnet in the environment", async () => {
  const holder = createServer(); // the real miner, already serving on MINER_AXON_PORT
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'roadwork-local-'));
  try {
    const r = roadwork(['start', '--count', '4', '--synthetic', '4', '--data_dir', dir], {
      MINER_AXON_PORT: String((holder.address() as AddressInfo).port),
      METAGRAPH_FILE: join(dir, 'missing.json'),
      NETUID: '323',
    });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /4 challenges/);
    assert.doesNotMatch(r.err, /Not ready/);
  } finally {
    holder.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
