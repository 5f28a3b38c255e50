// schnorrkel-wasm verification is compatible with util-crypto signatures and never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sr25519_sign } from '@polkadot-labs/schnorrkel-wasm';
import { encodeAddress, sr25519PairFromSeed, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto';
import { HotkeyCache, decodeHotkey, parseSignature, verifySr25519 } from './_sr25519.js';

const pair = sr25519PairFromSeed(new Uint8Array(32).fill(3));
const other = sr25519PairFromSeed(new Uint8Array(32).fill(4));
const enc = new TextEncoder();
const MESSAGE =
  '1750000000000000000.5Dendrite.5Axon.uuid.a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a';

test('verifySr25519() accepts util-crypto signatures (context "substrate") and rejects tampered ones', () => {
  const sig = sr25519Sign(enc.encode(MESSAGE), pair);
  assert.equal(verifySr25519(pair.publicKey, MESSAGE, sig), true);
  assert.equal(verifySr25519(pair.publicKey, `${MESSAGE}x`, sig), false);
  assert.equal(verifySr25519(other.publicKey, MESSAGE, sig), false);
  const flipped = Uint8Array.from(sig);
  flipped[5] = (flipped[5] ?? 0) ^ 1;
  assert.equal(verifySr25519(pair.publicKey, MESSAGE, flipped), false);
});

test('verifySr25519() accepts a signature of the message wrapped in <Bytes></Bytes>', () => {
  const sig = sr25519Sign(enc.encode(`<Bytes>${MESSAGE}</Bytes>`), pair);
  assert.equal(verifySr25519(pair.publicKey, MESSAGE, sig), true);
});

test('schnorrkel-wasm signatures verify with util-crypto (same key layout)', () => {
  const sig = sr25519_sign(pair.publicKey, pair.secretKey, enc.encode(MESSAGE));
  assert.equal(sr25519Verify(enc.encode(MESSAGE), sig, pair.publicKey), true);
});

test('parseSignature() rejects bad hex, lengths, a missing marker and a non-canonical scalar', () => {
  const good = `0x${Buffer.from(sr25519Sign(enc.encode('x'), pair)).toString('hex')}`;
  assert.ok(parseSignature(good));
  assert.equal(parseSignature(good.slice(2)), undefined);
  assert.equal(parseSignature(`${good}00`), undefined);
  assert.equal(parseSignature(`0x${'zz'.repeat(64)}`), undefined);
  assert.equal(parseSignature(`0x${'00'.repeat(64)}`), undefined);
  assert.equal(parseSignature(`0x${'00'.repeat(32)}${'ff'.repeat(32)}`), undefined);
});

test('verifySr25519() never throws on random signatures and keys', () => {
  for (let i = 0; i < 300; i++) {
    const sig = parseSignature(`0x${randomBytes(64).toString('hex')}`);
    if (sig !== undefined) assert.equal(verifySr25519(pair.publicKey, MESSAGE, sig), false);
    const key = decodeHotkey(encodeAddress(randomBytes(32), 42));
    if (typeof key !== 'string') {
      assert.equal(verifySr25519(key, MESSAGE, sr25519Sign(enc.encode(MESSAGE), pair)), false);
    }
  }
});

test('decodeHotkey() names why an address is unusable', () => {
  assert.ok(decodeHotkey(encodeAddress(pair.publicKey, 42)) instanceof Uint8Array);
  assert.equal(decodeHotkey('5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ'), 'not-ss58');
  assert.equal(decodeHotkey('not an address'), 'not-ss58');
  assert.equal(decodeHotkey(encodeAddress(pair.publicKey, 0)), 'wrong-prefix');
  assert.equal(decodeHotkey(encodeAddress(new Uint8Array(32).fill(0xff), 42)), 'not-a-point');
});

test('HotkeyCache keeps at most maxEntries keys', () => {
  const cache = new HotkeyCache({ maxEntries: 3 });
  for (let i = 0; i < 10; i++)
    cache.publicKey(encodeAddress(sr25519PairFromSeed(new Uint8Array(32).fill(i)).publicKey, 42));
  assert.equal(cache.size, 3);
});
