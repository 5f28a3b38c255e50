// Each doctor check over plain data: wallet, traffic (a real prom-client scrape text), model (real bundles
// and a real registry), host, and the text and JSON report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_MODEL } from '../miner/index.js';
import { fakeClock } from '../../core/clock/index.js';
import { loadConfig, type SettingKey } from '../../core/config/index.js';
import { createMetrics } from '../../core/metrics/index.js';
import {
  createBundle,
  promoteVersion,
  registerBundle,
  CASCADE_FILE,
} from '../../lifecycle/registry/index.js';
import { openStore, storeFile } from '../../core/store/index.js';
import { hotkeyFromSecret } from '../../wire/wallet/index.js';
import { checkChainAxon } from './_axon-chain.js';
import { checkHost, HOST_LIMITS, realHost } from './_host.js';
import { checkModel } from './_model.js';
import { recordPublication } from '../../lifecycle/publish/index.js';
import { checkRegistration } from './_registration.js';
import { checkTraffic, parseMetrics } from './_traffic.js';
import { checkWallet } from './_wallet.js';
import { formatReport } from './index.js';
import { reportOf, result } from './_types.js';

const DAY = 86_400_000;
const GIB = 1024 ** 3;
const settings = (defaults: Partial<Record<SettingKey, unknown>> = {}) => loadConfig({ defaults });

async function tmp(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roadwork-doctor-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('checkWallet() names the hotkey and its source, or the missing file and the fix', async (t) => {
  const secret = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk//Doctor';
  const signer = hotkeyFromSecret(secret);
  const ok = await checkWallet(settings({ 'wallet.secret': secret }), () => signer);
  assert.equal(ok.check.status, 'ok');
  assert.equal(ok.signer, signer);
  assert.equal(
    ok.check.message,
    `Hotkey ${signer.ss58} loaded from the hotkey secret in the environment (wallet.secret).`,
  );
  assert.doesNotMatch(JSON.stringify(ok.check), /bottom|Doctor/, 'the secret never reaches the report');
  const dir = await tmp(t);
  const { loadSigner } = await import('../miner/index.js');
  const missing = await checkWallet(settings({ 'wallet.path': dir, 'wallet.name': 'miner' }), loadSigner);
  assert.equal(missing.check.status, 'fail');
  assert.equal(missing.signer, undefined);
  assert.ok(missing.check.message.includes(join(dir, 'miner', 'hotkeys', 'default')));
  assert.match(missing.check.fix ?? '', /--wallet\.path/);
});

// A real registry's exposition text, served by a fetch that returns it (the scrape itself is tested e2e).
async function metricsFetch(fill: (m: ReturnType<typeof createMetrics>) => void): Promise<typeof fetch> {
  const metrics = createMetrics();
  fill(metrics);
  const text = await metrics.registry.metrics();
  return (async () => new Response(text, { status: 200 })) as typeof fetch;
}

test('checkTraffic() counts verified validator requests by version and generation since the miner started, over all its hotkeys', async () => {
  const clock = fakeClock(Date.now() + 3 * 3600_000);
  const fetch = await metricsFetch((m) => {
    m.validatorRequests.inc({ hotkey: '5A', version: '42', generation: '0.4.x' }, 100);
    m.validatorRequests.inc({ hotkey: '5B', version: '42', generation: '0.4.x' }, 20);
    m.validatorRequests.inc({ hotkey: '5A', version: '2004', generation: '2.x' }, 3);
  });
  const check = await checkTraffic({ metricsUrl: 'http://127.0.0.1:8091/metrics', fetch, clock });
  assert.equal(check.status, 'ok');
  assert.match(
    check.message,
    /^123 verified validator requests since the miner started 3\.0 h ago: 0\.4\.x \(version 42\) 120, 2\.x \(version 2004\) 3\.$/,
  );
  assert.deepEqual((check.data as { byVersion: unknown }).byVersion, [
    { version: '42', generation: '0.4.x', requests: 120 },
    { version: '2004', generation: '2.x', requests: 3 },
  ]);
});

test('checkTraffic() with no traffic: fails after a quarter hour, warns when young or when the subnet is halted', async () => {
  const url = 'http://127.0.0.1:8091/metrics';
  const fetch = await metricsFetch(() => undefined);
  const old = await checkTraffic({ metricsUrl: url, fetch, clock: fakeClock(Date.now() + 2 * 3600_000) });
  assert.equal(old.status, 'fail');
  assert.match(old.fix ?? '', /firewall/);
  const halted = await checkTraffic({
    metricsUrl: url,
    fetch,
    clock: fakeClock(Date.now() + 2 * 3600_000),
    halted: true,
  });
  assert.equal(halted.status, 'warn');
  assert.match(halted.message, /expected while the subnet is halted/);
  const young = await checkTraffic({ metricsUrl: url, fetch, clock: fakeClock(Date.now() + 60_000) });
  assert.equal(young.status, 'warn');
  const foreign = await checkTraffic({
    metricsUrl: url,
    fetch: (async () => new Response('up 1\n')) as typeof fetch,
    clock: fakeClock(),
  });
  assert.equal(foreign.status, 'warn');
  assert.match(foreign.message, /not a roadwork miner/);
  const down = await checkTraffic({
    metricsUrl: url,
    fetch: (async () => new Response('', { status: 500 })) as typeof fetch,
    clock: fakeClock(),
  });
  assert.equal(down.status, 'fail');
  assert.match(down.message, /HTTP 500/);
});

test('parseMetrics() reads labels with escapes and skips comments', () => {
  const samples = parseMetrics('# HELP x y\nx_total{a="q\\"uote",b="n\\\\"} 2\ny 3.5\n');
  assert.deepEqual(samples, [
    { name: 'x_total', labels: { a: 'q"uote', b: 'n\\' }, value: 2 },
    { name: 'y', labels: {}, value: 3.5 },
  ]);
});

function classifier(model: string) {
  return { stages: [{ name: 'classifier', kind: 'classifier', model, expected_ms: 5 }] };
}

test('checkModel() reports the bundle id and its age since publication, and warns from 75 days on', async (t) => {
  const dir = await tmp(t);
  const data = join(dir, 'data');
  const made = fakeClock(1_750_000_000_000);
  const bundle = await createBundle(join(dir, 'b'), {
    files: { 'model.onnx': DEFAULT_MODEL },
    config: classifier('model.onnx'),
    clock: made,
  });
  const s = settings({ 'cascade.config': join(dir, 'b', CASCADE_FILE), data_dir: data });
  // Not registered: no store, no age.
  const loose = await checkModel(s, made);
  assert.equal(loose.status, 'ok');
  assert.match(loose.message, new RegExp(`version ${bundle.id}: not in the registry, so no age\\.$`));

  const store = openStore(storeFile(data));
  try {
    await registerBundle(join(dir, 'b'), { store, bundlesDir: join(data, 'bundles'), clock: made });
  } finally {
    store.close();
  }
  const unpublished = await checkModel(s, made);
  assert.equal(unpublished.status, 'ok');
  assert.match(unpublished.message, new RegExp(`never published \\(roadwork publish ${bundle.id}\\)`));

  const submitted = made.nowMs() / 1000;
  const writable = openStore(storeFile(data));
  try {
    recordPublication(writable, {
      version: bundle.id,
      repo: 'alice/roadwork',
      hubUrl: 'https://huggingface.co',
      commit: 'c0ffee',
      submittedBy: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
      submissionTime: submitted,
      at: made.nowMs(),
    });
  } finally {
    writable.close();
  }
  const young = await checkModel(s, fakeClock(made.nowMs() + 10 * DAY));
  assert.equal(young.status, 'ok');
  assert.match(young.message, /published as alice\/roadwork on 2025-06-15T15:06:40\.000Z, 10\.0 days old\.$/);
  assert.equal(young.data?.ageDays, 10);
  for (const [days, threshold] of [
    [74.9, undefined],
    [75, 75],
    [80, 80],
    [86, 85],
  ] as const) {
    const check = await checkModel(s, fakeClock(made.nowMs() + days * DAY));
    assert.equal(check.status, threshold === undefined ? 'ok' : 'warn', `${days} days`);
    if (threshold !== undefined) assert.match(check.fix ?? '', new RegExp(`past ${threshold} days.*90`));
  }
});

test("checkModel() warns when the settings serve another version than the registry's production", async (t) => {
  const dir = await tmp(t);
  const data = join(dir, 'data');
  const a = await createBundle(join(dir, 'a'), {
    files: { 'model.onnx': DEFAULT_MODEL },
    config: classifier('model.onnx'),
    metrics: { n: 1 },
  });
  const b = await createBundle(join(dir, 'b'), {
    files: { 'model.onnx': DEFAULT_MODEL },
    config: classifier('model.onnx'),
    metrics: { n: 2 },
  });
  const store = openStore(storeFile(data));
  try {
    const deps = { store, bundlesDir: join(data, 'bundles'), clock: fakeClock() };
    await registerBundle(join(dir, 'a'), deps);
    await registerBundle(join(dir, 'b'), deps);
    await promoteVersion(a.id, deps);
  } finally {
    store.close();
  }
  const check = await checkModel(
    settings({ 'cascade.config': join(dir, 'b', CASCADE_FILE), data_dir: data }),
    fakeClock(Date.now()),
  );
  assert.equal(check.status, 'warn');
  assert.match(check.message, new RegExp(`The registry's production version is ${a.id}\\.$`));
  assert.notEqual(a.id, b.id);
});

test('checkModel() reports the starter cascade by its label, and fails naming a cascade file that does not load', async (t) => {
  const dir = await tmp(t);
  const starter = await checkModel(settings({ data_dir: dir }), fakeClock());
  assert.equal(starter.status, 'ok');
  assert.match(
    starter.message,
    /^Serving the bundled starter cascade, version starter-13 \(config [0-9a-f]{12}\): not in the registry, so no age/,
  );
  const broken = await checkModel(
    settings({ 'cascade.config': join(dir, 'nope.yaml'), data_dir: dir }),
    fakeClock(),
  );
  assert.equal(broken.status, 'fail');
  assert.ok(broken.message.includes('nope.yaml'));
});

test('checkHost() fails below 1 GiB free, warns below 5 GiB, and measures a data folder that does not exist yet', async (t) => {
  const dir = await tmp(t);
  const probe = (disk: number, free: number) => ({
    freeDisk: async () => disk,
    memory: () => ({ free, total: 16 * GIB }),
  });
  assert.equal((await checkHost(dir, probe(50 * GIB, 8 * GIB))).status, 'ok');
  assert.equal((await checkHost(dir, probe(3 * GIB, 8 * GIB))).status, 'warn');
  assert.equal((await checkHost(dir, probe(0.5 * GIB, 8 * GIB))).status, 'fail');
  assert.equal((await checkHost(dir, probe(50 * GIB, 0.25 * GIB))).status, 'fail');
  assert.ok(HOST_LIMITS.disk.fail < HOST_LIMITS.disk.warn);
  const real = await checkHost(join(dir, 'not', 'yet'), realHost);
  assert.equal((real.data as { dataDir: string }).dataDir, dir);
  assert.ok((real.data as { diskFreeBytes: number }).diskFreeBytes > 0);
  assert.ok((real.data as { memoryTotalBytes: number }).memoryTotalBytes > 0);
});

test('checkChainAxon() warns with nothing to compare when axon.external_ip is empty, and fails when nothing is served', async () => {
  const served = { ip: '203.0.113.7', port: 8091, protocol: 4, version: 0, block: 10 };
  const empty = await checkChainAxon(
    { axon: async () => ({ current: served, matches: undefined }) },
    { hotkey: 'hk', settings: settings() },
  );
  assert.equal(empty.status, 'warn');
  assert.match(
    empty.message,
    /^The chain holds 203\.0\.113\.7:8091 protocol 4 \(served at block 10\); axon\.external_ip is not set/,
  );
  const none = await checkChainAxon(
    { axon: async () => ({ current: undefined, matches: false }) },
    { hotkey: 'hk', settings: settings({ 'axon.external_ip': '203.0.113.7', 'axon.external_port': 9000 }) },
  );
  assert.equal(none.status, 'fail');
  assert.equal(none.fix, 'Publish it: roadwork chain serve-axon --ip 203.0.113.7 --port 9000');
});

test('the report prints one line a check with its mark and the fix below; ok is false on any ✗', () => {
  const report = reportOf([
    result('wallet', 'ok', 'Hotkey loaded.'),
    result('chain', 'skip', 'Skipped: offline.', { fix: 'Run without --offline.' }),
    result('subnet', 'fail', 'The subnet is halted/burning: mining earns nothing now.', { fix: 'Stop.' }),
    result('host', 'warn', 'Low disk.', { fix: 'Free some.' }),
  ]);
  assert.equal(report.ok, false);
  assert.deepEqual(report.counts, { ok: 1, warn: 1, fail: 1, skip: 1 });
  assert.equal(
    formatReport(report),
    [
      '✓ wallet        Hotkey loaded.',
      '– chain         Skipped: offline.',
      '                fix: Run without --offline.',
      '✗ subnet        The subnet is halted/burning: mining earns nothing now.',
      '                fix: Stop.',
      '! host          Low disk.',
      '                fix: Free some.',
      '1 failed, 1 warning, 1 passed, 1 skipped: fix the ✗ lines first.',
      '',
    ].join('\n'),
  );
  assert.equal(reportOf([result('wallet', 'ok', 'x')]).ok, true);
});

test('checkTraffic() sends metrics.token as a bearer token and names the fix when /metrics refuses it', async () => {
  const seen: (string | null)[] = [];
  const refusing = (async (_url: string, init?: RequestInit) => {
    seen.push(new Headers(init?.headers).get('authorization'));
    return new Response('{"code":"ERR_METRICS_FORBIDDEN"}', { status: 403 });
  }) as typeof fetch;
  const url = 'http://10.0.0.5:8091/metrics';
  const check = await checkTraffic({ metricsUrl: url, fetch: refusing, clock: fakeClock(), token: 's3cret' });
  assert.equal(check.status, 'fail');
  assert.match(check.fix ?? '', /metrics\.token/);
  await checkTraffic({ metricsUrl: url, fetch: refusing, clock: fakeClock() });
  assert.deepEqual(seen, ['Bearer s3cret', null]);
  assert.doesNotMatch(JSON.stringify(check), /s3cret/);
});

test('checkRegistration() says which value the node left out instead of guessing the immunity', async () => {
  const neuron = {
    uid: 3,
    hotkey: 'hk',
    coldkey: undefined,
    incentive: 0,
    rank: undefined,
    emission: 0,
    stake: 1.5,
    validatorPermit: false,
    registeredAt: undefined,
  };
  const snapshot = {
    netuid: 72,
    block: 1000,
    ownerHotkey: undefined,
    ownerColdkey: undefined,
    immunityPeriod: 4096,
    tempo: 360,
    neurons: [neuron],
  };
  const check = await checkRegistration(snapshot, 'hk', { netuid: 72, registerHint: 'btcli' });
  assert.equal(check.status, 'ok');
  assert.equal(
    check.message,
    'uid 3 on subnet 72, stake 1.5000 α; immunity unknown: the node did not return BlockAtRegistration.',
  );
  assert.equal(check.data?.immunityLeftBlocks, undefined);
  const both = await checkRegistration({ ...snapshot, immunityPeriod: undefined }, 'hk', {
    netuid: 72,
    registerHint: 'btcli',
  });
  assert.match(both.message, /the node did not return ImmunityPeriod or BlockAtRegistration\.$/);
});
