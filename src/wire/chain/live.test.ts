// The live metagraph against recorded Finney node answers, an unreachable chain, and the disk cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeClock } from '../../core/clock/index.js';
import { createLogger } from '../../core/log/index.js';
import { hotkeyProblem } from './_validate.js';
import { DeadProvider, RECORDED_UID0, ReplayProvider } from './_test-replay-provider.js';
import { liveMetagraph, readMetagraphFile, wsProvider } from './index.js';

const NEURONS_LITE = 'state_call["NeuronInfoRuntimeApi_get_neurons_lite"';
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roadwork-live-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('liveMetagraph() reads the 1024 recorded neurons of netuid 1 at block 6,852,690', async () => {
  const clock = fakeClock();
  const cacheFile = join(dir, 'first', 'metagraph.json');
  const source = liveMetagraph({
    endpoint: 'wss://replay.invalid',
    netuid: 1,
    cacheFile,
    clock,
    providerFactory: () => new ReplayProvider('metagraph'),
  });
  try {
    await source.start();
    const mg = source.current();
    assert.ok(mg, `no snapshot: ${source.status().lastError}`);
    assert.equal(mg.netuid, 1);
    assert.equal(mg.block, 6_852_690);
    assert.equal(mg.neurons.length, 1024);
    assert.deepEqual(
      mg.neurons.map((n) => n.uid),
      Array.from({ length: 1024 }, (_, i) => i),
    );
    assert.equal(mg.byHotkey.size, 1024);
    for (const n of mg.neurons) {
      assert.ok(Number.isFinite(n.stake) && n.stake >= 0, `uid ${n.uid} stake ${n.stake}`);
      assert.equal(hotkeyProblem(n.hotkey), undefined, `uid ${n.uid} hotkey ${n.hotkey}`);
      if (n.axon) assert.ok(n.axon.port > 0 && n.axon.ip !== '0.0.0.0', `uid ${n.uid} axon`);
    }
    assert.deepEqual(mg.neurons[0], RECORDED_UID0);
    assert.ok(mg.neurons.some((n) => n.validatorPermit));
    assert.ok(mg.neurons.some((n) => n.axon === null) || mg.neurons.every((n) => n.axon));
    assert.deepEqual(source.status(), {
      kind: 'live',
      loaded: true,
      fresh: true,
      block: 6_852_690,
      neurons: 1024,
      ageMs: 0,
    });
    const cached = await readMetagraphFile(cacheFile);
    assert.equal(cached.block, 6_852_690);
    assert.equal(cached.fetchedAtMs, clock.nowMs());
    assert.deepEqual(cached.neurons, mg.neurons);
  } finally {
    await source.close();
  }
});

test('a source whose chain never answers loads the cache and reports fresh=false with its age', async () => {
  const clock = fakeClock();
  const cacheFile = join(dir, 'second', 'metagraph.json');
  const first = liveMetagraph({
    endpoint: 'wss://replay.invalid',
    netuid: 1,
    cacheFile,
    clock,
    providerFactory: () => new ReplayProvider('metagraph'),
  });
  await first.start();
  await first.close();
  clock.advance(90_000);
  const dead = new DeadProvider();
  const second = liveMetagraph({
    endpoint: 'wss://dead.invalid',
    netuid: 1,
    cacheFile,
    clock,
    startTimeoutMs: 150,
    providerFactory: () => dead,
  });
  try {
    await second.start();
    assert.equal(second.current()?.neurons.length, 1024);
    const status = second.status();
    assert.equal(status.loaded, true);
    assert.equal(status.fresh, false);
    assert.equal(status.ageMs, 90_000);
    assert.equal(status.block, 6_852_690);
    assert.match(status.lastError ?? '', /did not become ready within 150 ms: wss:\/\/dead\.invalid/);
  } finally {
    await second.close();
  }
});

test('the first start with the chain down says no metagraph is cached yet, not that a file is wrong', async () => {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const source = liveMetagraph({
    endpoint: 'wss://dead.invalid',
    netuid: 72,
    cacheFile: join(dir, 'never-written', 'metagraph.json'),
    startTimeoutMs: 100,
    logger: createLogger({ level: 'info' }, sink),
    providerFactory: () => new DeadProvider(),
  });
  try {
    await source.start();
    assert.equal(source.status().loaded, false);
    const lines = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    assert.ok(
      lines.some((l) => l.level === 40 && /no metagraph cached yet/.test(l.msg)),
      text,
    );
    assert.doesNotMatch(text, /metagraph\.file|unusable|ENOENT/);
  } finally {
    await source.close();
  }
});

test('a cache for another subnet is ignored, leaving the source unloaded', async () => {
  const cacheFile = join(dir, 'other', 'metagraph.json');
  const first = liveMetagraph({
    endpoint: 'wss://replay.invalid',
    netuid: 1,
    cacheFile,
    providerFactory: () => new ReplayProvider('metagraph'),
  });
  await first.start();
  await first.close();
  const second = liveMetagraph({
    endpoint: 'wss://dead.invalid',
    netuid: 72,
    cacheFile,
    startTimeoutMs: 100,
    providerFactory: () => new DeadProvider(),
  });
  try {
    await second.start();
    assert.equal(second.current(), undefined);
    assert.equal(second.status().loaded, false);
    assert.equal(second.status().fresh, false);
    assert.ok(second.status().lastError);
  } finally {
    await second.close();
  }
});

test('a failed refresh keeps the last good snapshot and records the error', async () => {
  const clock = fakeClock();
  let provider: ReplayProvider | undefined;
  const source = liveMetagraph({
    endpoint: 'wss://replay.invalid',
    netuid: 1,
    clock,
    refreshMs: 60_000,
    providerFactory: () => (provider = new ReplayProvider('metagraph')),
  });
  try {
    await source.start();
    const good = source.current();
    assert.ok(good);
    await provider!.disconnect();
    clock.advance(1000);
    assert.equal(await source.refresh(), false);
    assert.equal(source.current(), good);
    const status = source.status();
    assert.equal(status.loaded, true);
    assert.equal(status.fresh, true, 'one failure within the staleness limit is still fresh');
    assert.equal(status.ageMs, 1000);
    assert.match(status.lastError ?? '', /disconnected/);
    clock.advance(3 * 60_000);
    assert.equal(source.status().fresh, false);
    await provider!.connect();
    assert.equal(await source.refresh(), true);
    assert.equal(source.status().fresh, true);
    assert.equal(source.status().lastError, undefined);
  } finally {
    await source.close();
  }
});

test('refreshes run on the timer, one at a time', async () => {
  let provider: ReplayProvider | undefined;
  const source = liveMetagraph({
    endpoint: 'wss://replay.invalid',
    netuid: 1,
    refreshMs: 20,
    providerFactory: () => (provider = new ReplayProvider('metagraph')),
  });
  try {
    await source.start();
    const joined = [source.refresh(), source.refresh()];
    assert.equal(joined[0], joined[1], 'a refresh in flight is shared');
    await Promise.all(joined);
    const deadline = Date.now() + 5000;
    const count = (): number => provider!.calls.filter((c) => c.startsWith(NEURONS_LITE)).length;
    while (count() < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(count() >= 4, `only ${count()} fetches`);
  } finally {
    await source.close();
  }
  const after = provider!.calls.length;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(provider!.calls.length, after, 'no refresh after close()');
});

test('an unreachable websocket on 127.0.0.1 falls back without a snapshot and closes cleanly', async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  const source = liveMetagraph({
    endpoint: `ws://127.0.0.1:${port}`,
    netuid: 72,
    startTimeoutMs: 300,
    providerFactory: wsProvider,
  });
  try {
    await source.start();
    assert.equal(source.current(), undefined);
    assert.deepEqual(Object.keys(source.status()).sort(), ['fresh', 'kind', 'lastError', 'loaded']);
    assert.match(source.status().lastError ?? '', new RegExp(`ws://127\\.0\\.0\\.1:${port}`));
  } finally {
    await source.close();
  }
});

test("status() carries the owner's share of the miner incentive from the last refresh (1 when burning)", async () => {
  const source = liveMetagraph({
    endpoint: 'wss://replay.invalid',
    netuid: 72,
    clock: fakeClock(),
    providerFactory: () => new ReplayProvider('economics-burning'),
  });
  try {
    await source.start();
    assert.equal(source.current()?.neurons.length, 32, `no snapshot: ${source.status().lastError}`);
    assert.equal(source.status().ownerIncentiveShare, 1);
  } finally {
    await source.close();
  }
});
