// The hotkey as a polkadot-js signer, and module errors named through the recorded spec-343 metadata.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { DispatchError } from '@polkadot/types/interfaces';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, mnemonicGenerate, signatureVerify } from '@polkadot/util-crypto';
import { isRoadworkError } from '../../core/errors/index.js';
import { hotkeyFromSecret } from '../wallet/index.js';
import { ReplayProvider } from './_test-replay-provider.js';
import { connectChain, describeDispatchError, polkadotSigner } from './index.js';

before(async () => {
  await cryptoWaitReady();
});

test('polkadotSigner() signs payloads as sr25519 MultiSignatures, hashing those past 256 bytes', async () => {
  const signer = hotkeyFromSecret(mnemonicGenerate(12));
  const signRaw = polkadotSigner(signer).signRaw;
  assert.ok(signRaw);
  const short = Uint8Array.from({ length: 100 }, (_, i) => i);
  const long = Uint8Array.from({ length: 300 }, (_, i) => i % 251);
  for (const [bytes, signed] of [
    [short, short],
    [long, blake2AsU8a(long)],
  ] as const) {
    const { signature } = await signRaw({ address: signer.ss58, data: u8aToHex(bytes), type: 'payload' });
    assert.equal(signature.slice(0, 4), '0x01', 'the sr25519 variant of MultiSignature');
    assert.equal(signatureVerify(signed, `0x${signature.slice(4)}`, signer.publicKey).isValid, true);
  }
  const other = hotkeyFromSecret(mnemonicGenerate(12)).ss58;
  await assert.rejects(
    signRaw({ address: other, data: '0x00', type: 'payload' }),
    (err: unknown) => isRoadworkError(err, 'ERR_WALLET_INVALID') && err.message.includes(other),
  );
});

test('describeDispatchError() names a SubtensorModule error from the runtime metadata', async () => {
  const api = await connectChain('wss://replay.invalid', {
    providerFactory: () => new ReplayProvider('metagraph'),
  });
  try {
    // Pallet 7 is SubtensorModule in spec 343; error 4 is HotKeyNotRegisteredInSubNet.
    const known = api.registry.createType<DispatchError>('DispatchError', {
      Module: { index: 7, error: '0x04000000' },
    });
    assert.equal(
      describeDispatchError(api, known),
      'SubtensorModule.HotKeyNotRegisteredInSubNet (The hotkey is not registered in subnet)',
    );
    const unknown = api.registry.createType<DispatchError>('DispatchError', {
      Module: { index: 250, error: '0x01000000' },
    });
    assert.match(describeDispatchError(api, unknown), /"index":250/);
    const other = api.registry.createType<DispatchError>('DispatchError', { BadOrigin: null });
    assert.equal(describeDispatchError(api, other), 'BadOrigin');
  } finally {
    await api.disconnect();
  }
});
