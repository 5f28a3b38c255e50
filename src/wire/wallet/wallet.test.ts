// Wallet: Bittensor hotkey files and secrets give the keys polkadot's keyring derives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, sr25519PairFromSeed, sr25519Verify } from '@polkadot/util-crypto';
import { isRoadworkError } from '../../core/errors/index.js';
import { createWallet, hotkeyFromSecret, hotkeyPath, loadHotkey } from './index.js';
import { runModuleBounded } from '../../../test/fixtures/processes.js';

const DEV = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'roadwork-wallet-'));
}

test('hotkeyFromSecret() derives the well-known //Alice address from the dev phrase', () => {
  assert.equal(hotkeyFromSecret(`${DEV}//Alice`).ss58, ALICE);
});

test('hotkeyFromSecret() takes a bare dev URI such as //Alice, as the keyring does', async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  assert.equal(hotkeyFromSecret('//Alice').ss58, ALICE);
  assert.equal(hotkeyFromSecret('  //Alice\n').ss58, ALICE);
  for (const uri of ['//Bob', '//Alice//stash', '//Alice/soft', '//Alice///pw']) {
    assert.equal(hotkeyFromSecret(uri).ss58, keyring.addFromUri(uri).address, uri);
  }
});

test('hotkeyFromSecret() matches keyring.addFromUri() for mnemonics, seeds and derivations', async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const seed = `0x${'5a'.repeat(32)}`;
  for (const uri of [DEV, `${DEV}//Bob`, `${DEV}//hot/soft`, seed, `${seed}//x`]) {
    assert.equal(hotkeyFromSecret(uri).ss58, keyring.addFromUri(uri).address, uri);
  }
});

test('Signer.sign() produces signatures util-crypto verifies for its public key', () => {
  const signer = hotkeyFromSecret(DEV);
  const sig = signer.sign('hello');
  assert.equal(sig.length, 64);
  assert.equal(sr25519Verify(new TextEncoder().encode('hello'), sig, signer.publicKey), true);
});

test('hotkeyFromSecret() rejects garbage and a mismatching expected address with ERR_WALLET_INVALID', () => {
  assert.throws(
    () => hotkeyFromSecret('not a mnemonic at all'),
    (e) => isRoadworkError(e, 'ERR_WALLET_INVALID'),
  );
  assert.throws(
    () => hotkeyFromSecret(DEV, { ss58: ALICE }),
    (e) => isRoadworkError(e, 'ERR_WALLET_INVALID'),
  );
});

test('createWallet() then loadHotkey() round-trips, with mode 0600 and Bittensor fields', async () => {
  const dir = await tempDir();
  try {
    const created = await createWallet({ path: dir, name: 'miner', hotkey: 'hk' });
    assert.equal(created.path, join(dir, 'miner', 'hotkeys', 'hk'));
    assert.equal((await stat(created.path)).mode & 0o777, 0o600);
    const data = JSON.parse(await readFile(created.path, 'utf8')) as Record<string, string>;
    for (const key of ['secretPhrase', 'secretSeed', 'privateKey', 'publicKey', 'accountId', 'ss58Address']) {
      assert.equal(typeof data[key], 'string', key);
    }
    assert.equal(data.ss58Address, created.signer.ss58);
    assert.equal(data.secretPhrase, created.mnemonic);
    const loaded = await loadHotkey({ path: dir, name: 'miner', hotkey: 'hk' });
    assert.equal(loaded.ss58, created.signer.ss58);
    assert.equal(hotkeyFromSecret(created.mnemonic).ss58, created.signer.ss58);
    await assert.rejects(createWallet({ path: dir, name: 'miner', hotkey: 'hk' }), (e) =>
      isRoadworkError(e, 'ERR_WALLET_EXISTS'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadHotkey() reads seed-only and privateKey-only files and checks ss58Address', async () => {
  const dir = await tempDir();
  try {
    const file = hotkeyPath({ path: dir, name: 'w', hotkey: 'h' });
    await mkdir(join(file, '..'), { recursive: true });
    const seed = new Uint8Array(32).fill(9);
    const pair = sr25519PairFromSeed(seed);
    const expected = hotkeyFromSecret(`0x${Buffer.from(seed).toString('hex')}`).ss58;
    await writeFile(
      file,
      JSON.stringify({ secretSeed: `0x${Buffer.from(seed).toString('hex')}`, ss58Address: expected }),
    );
    assert.equal((await loadHotkey({ path: dir, name: 'w', hotkey: 'h' })).ss58, expected);
    const pub = `0x${Buffer.from(pair.publicKey).toString('hex')}`;
    await writeFile(
      file,
      JSON.stringify({ privateKey: `0x${Buffer.from(pair.secretKey).toString('hex')}`, publicKey: pub }),
    );
    assert.equal((await loadHotkey({ path: dir, name: 'w', hotkey: 'h' })).ss58, expected);
    // Rust schnorrkel's own layout stores the scalar divided by the cofactor 8.
    const raw = Uint8Array.from(pair.secretKey);
    let scalar = 0n;
    for (let i = 31; i >= 0; i--) scalar = (scalar << 8n) | BigInt(raw[i] ?? 0);
    scalar >>= 3n;
    for (let i = 0; i < 32; i++) raw[i] = Number((scalar >> BigInt(8 * i)) & 0xffn);
    await writeFile(
      file,
      JSON.stringify({ privateKey: `0x${Buffer.from(raw).toString('hex')}`, publicKey: pub }),
    );
    assert.equal((await loadHotkey({ path: dir, name: 'w', hotkey: 'h' })).ss58, expected);
    await writeFile(
      file,
      JSON.stringify({ secretSeed: `0x${Buffer.from(seed).toString('hex')}`, ss58Address: ALICE }),
    );
    await assert.rejects(loadHotkey({ path: dir, name: 'w', hotkey: 'h' }), (e) =>
      isRoadworkError(e, 'ERR_WALLET_INVALID'),
    );
    await writeFile(file, '$ANSIBLE_VAULT;1.1;AES256\n6162');
    await assert.rejects(loadHotkey({ path: dir, name: 'w', hotkey: 'h' }), (e) =>
      isRoadworkError(e, 'ERR_WALLET_INVALID'),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadHotkey() on a missing file throws ERR_WALLET_NOT_FOUND naming the path and the fix', async () => {
  const dir = await tempDir();
  try {
    await assert.rejects(loadHotkey({ path: dir, name: 'nope', hotkey: 'none' }), (e) => {
      assert.ok(isRoadworkError(e, 'ERR_WALLET_NOT_FOUND'));
      assert.match(e.message, new RegExp(join(dir, 'nope', 'hotkeys', 'none').replace(/[/\\]/g, '.')));
      assert.match(e.message, /btcli wallet new_hotkey/);
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('hotkeyPath() expands ~ and applies Bittensor defaults', () => {
  assert.equal(hotkeyPath({ home: '/home/m' }), '/home/m/.bittensor/wallets/default/hotkeys/default');
  assert.equal(hotkeyPath({ path: '~/w', name: 'a', hotkey: 'b', home: '/h' }), '/h/w/a/hotkeys/b');
});

test('wallet and hotkey names stay inside the wallet path; a path through a file is ERR_WALLET_INVALID', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'wallet-names-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const location of [{ name: '../escape' }, { name: '' }, { hotkey: 'a/b' }, { hotkey: '..' }])
    assert.throws(
      () => hotkeyPath({ path: dir, ...location }),
      (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && /one folder or file name/.test(err.message),
      JSON.stringify(location),
    );
  await assert.rejects(createWallet({ path: dir, name: '../escape' }), (err) =>
    isRoadworkError(err, 'ERR_CONFIG_INVALID'),
  );
  await writeFile(join(dir, 'file'), '');
  await assert.rejects(
    createWallet({ path: join(dir, 'file', 'wallets') }),
    (err) => isRoadworkError(err, 'ERR_WALLET_INVALID') && /ENOTDIR/.test(err.message),
  );
});

test(
  'createWallet() under /proc fails at once with ERR_WALLET_INVALID naming the path (it used to spin for ever)',
  { skip: existsSync('/proc/self') ? false : 'no /proc on this system' },
  () => {
    const wallet = fileURLToPath(new URL('./index.ts', import.meta.url));
    // `roadwork wallet create --wallet.path /proc/x`, in a child killed after 10 s: the old code never returned.
    const started = Date.now();
    const child = runModuleBounded(
      `const { createWallet } = await import(${JSON.stringify(wallet)});
      await createWallet({ path: '/proc/x' }).then(() => console.log('made'), (e) => console.log(e.code, e.message));`,
      10_000,
    );
    assert.equal(
      child.status,
      0,
      `killed or failed after ${Date.now() - started} ms: ${child.signal ?? ''} ${child.stderr}`,
    );
    assert.match(
      child.stdout,
      /^ERR_WALLET_INVALID Hotkey file cannot be written: \/proc\/x\/default\/hotkeys\/default \(ENOENT: .*mkdir '\/proc\/x'\)/,
    );
  },
);
