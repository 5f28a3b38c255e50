// `roadwork doctor` end to end: a real miner on 127.0.0.1, real sr25519-signed requests, the recorded Finney
// chain replayed (as recorded: a burning subnet; altered: a healthy one), and the CLI as a process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { DEFAULT_MODEL } from '../src/app/miner/index.js';
import { ReplayProvider } from '../src/wire/chain/_test-replay-provider.js';
import type { ProviderFactory } from '../src/wire/chain/index.js';
import { doctorCommand } from '../src/app/cli/doctor.js';
import { fakeClock, systemClock } from '../src/core/clock/index.js';
import { CHECK_IDS, checkLocalAxon, type DoctorReport } from '../src/app/doctor/index.js';
import { alteredReplay, RECORDED, RECORDED_UID184, spreadIncentive } from '../src/app/doctor/_test-replay.js';
import { KEYS, postSigned, sceneJpeg, signedRequest, startTestMiner, type TestMiner } from './_harness.js';

const MINER_SECRET = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Miner';
const GIB = 1024 ** 3;
const roomyHost = { freeDisk: async () => 100 * GIB, memory: () => ({ free: 16 * GIB, total: 32 * GIB }) };
let m: TestMiner;
let axonUrl: string;

before(async () => {
  // The stranger on the allow list stands for a misconfigured blacklist; any fresh key must still be refused.
  m = await startTestMiner({ 'blacklist.allow': [KEYS.stranger.ss58], 'model.path': DEFAULT_MODEL });
  axonUrl = `http://127.0.0.1:${m.port}`;
});
after(() => m.stop());

// The recorded uid 184 handed to this test's miner hotkey: the chain then speaks of the miner we run.
const mineUid184 = (json: Record<string, unknown>) => {
  (json['hotkeys'] as string[])[RECORDED_UID184.uid] = KEYS.miner.ss58;
};

async function doctor(
  args: string[],
  providerFactory: ProviderFactory,
): Promise<{ report: DoctorReport; code: number | undefined; text: string }> {
  let text = '';
  let code: number | undefined;
  const command = doctorCommand(
    {},
    {
      providerFactory,
      host: roomyHost,
      stdout: { write: (s: string) => (text += s) },
      setExitCode: (c) => (code = c),
    },
  );
  command.exitOverride();
  const base = ['--netuid', '1', '--axon', axonUrl, '--wallet.secret', MINER_SECRET, '--data_dir', m.dir];
  const axon = [
    '--axon.external_ip',
    RECORDED_UID184.axon.ip,
    '--axon.external_port',
    String(RECORDED_UID184.axon.port),
  ];
  await command.parseAsync([...base, ...axon, ...args], { from: 'user' });
  return {
    report: args.includes('--json') ? (JSON.parse(text) as DoctorReport) : (undefined as never),
    code,
    text,
  };
}

const byId = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.id, c]));

async function metricValue(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${axonUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('the recorded (burning) subnet: doctor --json says mining earns nothing now and exits 1', async () => {
  const factory = await alteredReplay({ metagraph: mineUid184 });
  const { report, code } = await doctor(['--json'], factory);
  assert.equal(code, 1);
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.checks.map((c) => c.id),
    [...CHECK_IDS],
  );
  for (const c of report.checks) {
    assert.ok(['ok', 'warn', 'fail', 'skip'].includes(c.status), c.id);
    assert.equal(typeof c.message, 'string');
  }
  const checks = byId(report);
  assert.equal(checks.wallet?.status, 'ok');
  assert.equal(checks.chain?.status, 'ok');
  assert.match(
    checks.chain?.message ?? '',
    /^Block 6852690 at wss:\/\/entrypoint-finney\.opentensor\.ai:443 \(runtime spec 343\)\.$/,
  );
  assert.equal(checks.registration?.status, 'ok');
  assert.equal(checks.registration?.data?.uid, 184);
  assert.equal(checks.registration?.data?.immunityLeftBlocks, 1337);
  // The recording holds no Axons storage for this hotkey: nothing is published.
  assert.equal(checks['axon-chain']?.status, 'fail');
  assert.equal(checks['axon-local']?.status, 'ok');
  assert.equal(checks.traffic?.status, 'warn');
  assert.match(checks.traffic?.message ?? '', /expected while the subnet is halted/);
  assert.equal(checks.subnet?.status, 'fail');
  assert.match(checks.subnet?.message ?? '', /^The subnet is halted\/burning: mining earns nothing now\./);
  assert.equal(checks.subnet?.data?.ownerHotkey, RECORDED.ownerHotkey);
  assert.equal(checks.subnet?.data?.ownerShare, 1);
  assert.equal(report.counts.fail, 2);
});

test('a fresh throw-away key is refused by the real miner with 403 ERR_CALLER_UNKNOWN, before its body is read', async () => {
  const before = await metricValue('roadwork_axon_requests_total', 'code="ERR_CALLER_UNKNOWN"');
  const first = await checkLocalAxon({ axonUrl, minerHotkey: KEYS.miner.ss58, fetch, clock: systemClock() });
  const second = await checkLocalAxon({ axonUrl, minerHotkey: KEYS.miner.ss58, fetch, clock: systemClock() });
  assert.equal(first.status, 'ok', first.message);
  assert.equal(
    first.message,
    'The axon refused a throw-away caller with 403 ERR_CALLER_UNKNOWN, as it should.',
  );
  assert.deepEqual(
    { status: first.data?.status, code: first.data?.code, axonHotkey: first.data?.axonHotkey },
    { status: 403, code: 'ERR_CALLER_UNKNOWN', axonHotkey: KEYS.miner.ss58 },
  );
  assert.notEqual(first.data?.caller, second.data?.caller, 'a new key every run');
  // The refusals really went through the axon: its own counter saw both.
  assert.equal(await metricValue('roadwork_axon_requests_total', 'code="ERR_CALLER_UNKNOWN"'), before + 2);
});

test("a caller the blacklist lets through fails the check; a wallet that is not the axon's hotkey fails it too", async () => {
  const answered = await checkLocalAxon({
    axonUrl,
    minerHotkey: KEYS.miner.ss58,
    fetch,
    clock: systemClock(),
    stranger: () => KEYS.stranger,
  });
  assert.equal(answered.status, 'fail');
  assert.notEqual(answered.data?.status, 403);
  assert.match(answered.message, /^The axon answered a throw-away caller with \d{3}/);
  const wrongWallet = await checkLocalAxon({
    axonUrl,
    minerHotkey: KEYS.otherMiner.ss58,
    fetch,
    clock: systemClock(),
  });
  assert.equal(wrongWallet.status, 'fail');
  assert.match(
    wrongWallet.message,
    new RegExp(`serves hotkey ${KEYS.miner.ss58}, the wallet's is ${KEYS.otherMiner.ss58}`),
  );
  const closed = await checkLocalAxon({
    axonUrl: await closedPort(),
    minerHotkey: undefined,
    fetch,
    clock: fakeClock(),
  });
  assert.equal(closed.status, 'fail');
  assert.match(closed.message, /^Nothing answers at http:\/\/127\.0\.0\.1:\d+\/ImageSynapse: .*ECONNREFUSED/);
});

test('a healthy subnet with the axon published: after a validator request every check passes, exit 0', async () => {
  const res = await postSigned(
    m.port,
    signedRequest(m.port, { image: (await sceneJpeg()).toString('base64'), version: 42 }),
  );
  assert.equal(res.status, 200, res.text);
  const earners = [RECORDED_UID184.uid, ...Array.from({ length: 9 }, (_, i) => 700 + i)];
  const factory = await alteredReplay({
    metagraph: (json) => {
      mineUid184(json);
      spreadIncentive(earners)?.(json);
    },
    servedAxons: [KEYS.miner.ss58],
  });
  const { report, code } = await doctor(['--json'], factory);
  assert.deepEqual(
    report.checks.filter((c) => c.status !== 'ok').map((c) => `${c.id}: ${c.message}`),
    [],
  );
  assert.equal(code, 0);
  assert.equal(report.ok, true);
  const checks = byId(report);
  assert.match(
    checks['axon-chain']?.message ?? '',
    /^The chain holds 176\.93\.235\.47:8092 protocol 4 \(served at block 6846849\), as configured\.$/,
  );
  // The validator's request, plus the allow-listed stranger's of the test before: the miner's own count.
  const seen = await metricValue('roadwork_axon_validator_requests_total', 'version="42"');
  assert.ok(seen >= 1);
  assert.match(
    checks.traffic?.message ?? '',
    new RegExp(
      `^${seen} verified validator requests since the miner started \\d+ min ago: 0\\.4\\.x \\(version 42\\) ${seen}\\.$`,
    ),
  );
  assert.match(checks.subnet?.message ?? '', /^10 uids earn incentive; the owner's UIDs 395, 984 hold 0\.0%/);
  const { text } = await doctor([], factory);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, CHECK_IDS.length + 1);
  for (const [i, id] of CHECK_IDS.entries()) assert.ok(lines[i]?.startsWith(`✓ ${id} `), lines[i]);
  assert.equal(lines.at(-1), '0 failed, 0 warnings, 9 passed, 0 skipped.');
});

test('an unreachable chain fails the chain check and skips the three that need it', async () => {
  const { report, code } = await doctor(['--json', '--timeout', '0.3'], () => new DeadReplay());
  assert.equal(code, 1);
  const checks = byId(report);
  assert.equal(checks.chain?.status, 'fail');
  assert.match(checks.chain?.message ?? '', /^Cannot reach the subtensor node: .*within 300 ms/);
  for (const id of ['registration', 'axon-chain', 'subnet']) assert.equal(checks[id]?.status, 'skip', id);
});

test('roadwork doctor as a process: exit 0 offline against a good miner, 1 when nothing listens', async () => {
  // Spawned, not spawnSync: the miner it calls runs in this very process and must keep answering.
  const run = (axon: string) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/app/cli/main.ts', 'doctor', '--offline', '--json', '--axon', axon],
        {
          cwd: new URL('..', import.meta.url),
          env: { ...process.env, ROADWORK_HOTKEY_SECRET: MINER_SECRET, ROADWORK_DATA_DIR: m.dir },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const good = await run(axonUrl);
  const report = JSON.parse(good.stdout) as DoctorReport;
  assert.equal(good.status, report.ok ? 0 : 1, good.stderr);
  assert.deepEqual(
    report.checks.filter((c) => c.status === 'fail').map((c) => c.id),
    [],
    'only a host short of disk or memory could fail here',
  );
  assert.equal(good.status, 0);
  assert.deepEqual(
    report.checks.filter((c) => c.status === 'skip').map((c) => c.id),
    ['chain', 'registration', 'axon-chain', 'subnet'],
  );
  const bad = await run(await closedPort());
  assert.equal(bad.status, 1, bad.stderr);
  assert.equal((JSON.parse(bad.stdout) as DoctorReport).ok, false);
});

/** A URL on a loopback port that was just free: nothing listens there. */
async function closedPort(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port: free } = server.address() as AddressInfo;
      server.close(() => resolve(free));
    });
  });
  return `http://127.0.0.1:${port}`;
}

/** A replay that never answers: every call fails, like a node that cannot be reached. */
class DeadReplay extends ReplayProvider {
  constructor() {
    super('metagraph');
  }
  override async send<T>(method: string): Promise<T> {
    throw new Error(`unreachable: ${method}`);
  }
}
