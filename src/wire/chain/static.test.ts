// The static metagraph file: real sr25519 hotkeys, real files on disk, every kind of malformed input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { fakeClock } from '../../core/clock/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { buildMetagraph, readMetagraphFile, staticMetagraph, writeMetagraphFile } from './index.js';

let dir: string;
let keys: string[];

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  keys = ['//Alice', '//Bob', '//Charlie'].map((uri) => keyring.addFromUri(uri).address);
  dir = await mkdtemp(join(tmpdir(), 'roadwork-chain-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function validFile(): Record<string, unknown> & { neurons: Record<string, unknown>[] } {
  return {
    netuid: 72,
    block: 123,
    neurons: [
      { uid: 0, hotkey: keys[0], stake: 1234.5, validator_permit: true, axon: { ip: '1.2.3.4', port: 8091 } },
      { uid: 1, hotkey: keys[1], stake: 0, validator_permit: false, axon: null },
      { uid: 5, hotkey: keys[2], stake: 7, validator_permit: false, axon: { ip: '2001:db8::1', port: 9000 } },
    ],
  };
}

let counter = 0;
async function fileWith(content: unknown): Promise<string> {
  const file = join(dir, `m${counter++}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function rejectsNaming(content: unknown, ...parts: string[]): Promise<void> {
  const file = await fileWith(content);
  await assert.rejects(staticMetagraph(file).start(), (err: unknown) => {
    assert.ok(isRoadworkError(err, 'ERR_METAGRAPH_FILE'), `expected ERR_METAGRAPH_FILE, got ${String(err)}`);
    for (const part of parts) assert.ok(err.message.includes(part), `"${err.message}" lacks "${part}"`);
    return true;
  });
}

test('staticMetagraph() loads a valid file and indexes neurons by hotkey', async () => {
  const clock = fakeClock();
  const source = staticMetagraph(await fileWith(validFile()), { clock });
  assert.equal(source.current(), undefined);
  await source.start();
  const mg = source.current();
  assert.ok(mg);
  assert.equal(mg.netuid, 72);
  assert.equal(mg.block, 123);
  assert.equal(mg.neurons.length, 3);
  assert.deepEqual(mg.byHotkey.get(keys[1]!), {
    uid: 1,
    hotkey: keys[1],
    stake: 0,
    validatorPermit: false,
    axon: null,
  });
  assert.deepEqual(mg.byHotkey.get(keys[0]!)?.axon, { ip: '1.2.3.4', port: 8091 });
  assert.equal(mg.byHotkey.get(keys[2]!)?.uid, 5);
  assert.equal(mg.byHotkey.get('5NotAHotkey'), undefined);
  assert.ok(Object.isFrozen(mg.neurons[0]));
  clock.advance(5000);
  assert.deepEqual(source.status(), {
    kind: 'static',
    loaded: true,
    fresh: true,
    block: 123,
    neurons: 3,
    ageMs: 5000,
  });
  await source.close();
});

test('staticMetagraph() reports a missing file with its path', async () => {
  const missing = join(dir, 'nope.json');
  const source = staticMetagraph(missing);
  await assert.rejects(
    source.start(),
    (err: unknown) => isRoadworkError(err, 'ERR_METAGRAPH_FILE') && err.message.includes(missing),
  );
  assert.equal(source.status().loaded, false);
  assert.match(source.status().lastError ?? '', /ENOENT/);
});

test('staticMetagraph() rejects text that is not JSON', async () => {
  await rejectsNaming('{"netuid": 72,', 'not valid JSON');
});

test('staticMetagraph() rejects a top level that is not an object, or has unknown keys', async () => {
  await rejectsNaming([], 'top level', 'not a JSON object');
  await rejectsNaming({ ...validFile(), neuron: [] }, 'neuron', 'not a known key');
});

test('staticMetagraph() rejects a bad netuid, block or neurons list', async () => {
  await rejectsNaming({ ...validFile(), netuid: 70000 }, 'netuid', '70000');
  await rejectsNaming({ ...validFile(), netuid: '72' }, 'netuid', '"72"');
  await rejectsNaming({ ...validFile(), block: -1 }, 'block', '-1');
  await rejectsNaming({ ...validFile(), neurons: {} }, 'neurons', 'not an array');
});

test('staticMetagraph() names the neuron index, field and value of a bad hotkey', async () => {
  const f = validFile();
  const hotkey = keys[1]!;
  const broken = hotkey.slice(0, -1) + (hotkey.endsWith('a') ? 'b' : 'a');
  f.neurons[1]!['hotkey'] = broken;
  await rejectsNaming(f, 'neurons[1].hotkey', 'not a valid ss58 address', broken);
  const polkadot = encodeAddress(decodeAddress(hotkey), 0);
  f.neurons[1]!['hotkey'] = polkadot;
  await rejectsNaming(f, 'neurons[1].hotkey', 'prefix other than 42', `Write it as ${hotkey}`);
  f.neurons[1]!['hotkey'] = 42;
  await rejectsNaming(f, 'neurons[1].hotkey', 'not a string');
});

test('staticMetagraph() rejects duplicate uids and duplicate hotkeys', async () => {
  const f = validFile();
  f.neurons[2]!['uid'] = 0;
  await rejectsNaming(f, 'neurons[2].uid', 'repeats neurons[0].uid');
  const g = validFile();
  g.neurons[2]!['hotkey'] = keys[0];
  await rejectsNaming(g, 'neurons[2].hotkey', 'repeats neurons[0].hotkey');
});

test('staticMetagraph() rejects bad stake, permit, axon and unknown neuron keys', async () => {
  const cases: [string, unknown, string][] = [
    ['stake', Number.NaN, 'neurons[0].stake'],
    ['stake', -1, 'neurons[0].stake'],
    ['stake', '10', 'neurons[0].stake'],
    ['validator_permit', 1, 'neurons[0].validator_permit'],
    ['axon', { ip: '1.2.3', port: 8091 }, 'neurons[0].axon.ip'],
    ['axon', { ip: '1.2.3.4', port: 70000 }, 'neurons[0].axon.port'],
    ['axon', { ip: '1.2.3.4', port: 8091, ip_type: 4 }, 'neurons[0].axon.ip_type'],
    ['axon', '1.2.3.4:8091', 'neurons[0].axon'],
    ['validatorPermit', true, 'neurons[0].validatorPermit'],
  ];
  for (const [key, value, path] of cases) {
    const f = validFile();
    f.neurons[0]![key] = value;
    await rejectsNaming(f, path);
  }
  const h = validFile();
  delete h.neurons[0]!['uid'];
  await rejectsNaming(h, 'neurons[0].uid');
  const k = validFile();
  k.neurons[0] = 'neuron' as unknown as Record<string, unknown>;
  await rejectsNaming(k, 'neurons[0]', 'not an object');
});

test('staticMetagraph() reads ip 0.0.0.0 / port 0 (how non-serving neurons look on chain) as no axon, and keeps IPv6 axons', async () => {
  const f = validFile();
  f.neurons[0]!.axon = { ip: '0.0.0.0', port: 0 };
  f.neurons[1]!.axon = { ip: '1.2.3.4', port: 0 };
  const source = staticMetagraph(await fileWith(f));
  await source.start();
  const snapshot = source.current()!;
  assert.equal(snapshot.byHotkey.get(keys[0]!)?.axon, null);
  assert.equal(snapshot.byHotkey.get(keys[1]!)?.axon, null);
  assert.deepEqual(snapshot.byHotkey.get(keys[2]!)?.axon, { ip: '2001:db8::1', port: 9000 });
  await source.close();
});

test('reload() keeps the previous snapshot when the file turns bad', async () => {
  const file = await fileWith(validFile());
  const source = staticMetagraph(file);
  await source.start();
  await writeFile(file, '{');
  await assert.rejects(source.reload(), (err: unknown) => isRoadworkError(err, 'ERR_METAGRAPH_FILE'));
  assert.equal(source.current()?.neurons.length, 3);
  assert.match(source.status().lastError ?? '', /not valid JSON/);
  const f = validFile();
  f.neurons.pop();
  await writeFile(file, JSON.stringify(f));
  assert.equal((await source.reload()).neurons.length, 2);
  assert.equal(source.status().lastError, undefined);
});

test('writeMetagraphFile() writes atomically a file that reads back identical', async () => {
  const source = staticMetagraph(await fileWith(validFile()));
  await source.start();
  const mg = source.current()!;
  const sub = join(dir, 'nested', 'cache.json');
  await writeMetagraphFile(sub, mg);
  await writeMetagraphFile(sub, mg);
  assert.deepEqual(await readdir(join(dir, 'nested')), ['cache.json']);
  const back = await readMetagraphFile(sub);
  assert.equal(back.fetchedAtMs, Math.trunc(mg.fetchedAtMs));
  assert.deepEqual(buildMetagraph(back.netuid, back.block, back.neurons, mg.fetchedAtMs), mg);
});

test('writeMetagraphFile() fails with ERR_METAGRAPH_FILE and leaves no temporary file', async () => {
  const blocker = await fileWith('x');
  const source = staticMetagraph(await fileWith(validFile()));
  await source.start();
  await assert.rejects(writeMetagraphFile(join(blocker, 'cache.json'), source.current()!), (err: unknown) =>
    isRoadworkError(err, 'ERR_METAGRAPH_FILE'),
  );
  const dirTarget = join(dir, 'is-a-dir');
  await writeMetagraphFile(join(dirTarget, 'x.json'), source.current()!);
  await assert.rejects(writeMetagraphFile(dirTarget, source.current()!), (err: unknown) =>
    isRoadworkError(err, 'ERR_METAGRAPH_FILE'),
  );
  assert.deepEqual(
    (await readdir(dir)).filter((n) => n.endsWith('.tmp')),
    [],
  );
});
