// Operator chain reads replayed from the recorded Finney answers the upstream bittensor tests use.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiPromise } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { isRoadworkError } from '../../core/errors/index.js';
import { ReplayProvider, type ReplayOptions } from './_test-replay-provider.js';
import { connectChain, isHotkeyRegistered, neuronForHotkey, neuronRow, uidForHotkey } from './index.js';

// The hotkey of the upstream test_get_neuron_for_pubkey_and_subnet (netuid 14, recorded at block 6,522,269).
const HOTKEY = '5Cf4LPRv6tiyuFsfLRQaFYEEn3zJRGi4bAE9DwbbKmbCSHpV';
const HEAD_BLOCK = 0x63859d;

async function withReplay(
  recording: string,
  work: (api: ApiPromise) => Promise<void>,
  options?: ReplayOptions,
): Promise<void> {
  const api = await connectChain('wss://replay.invalid', {
    timeoutMs: 10_000,
    providerFactory: () => new ReplayProvider(recording, options),
  });
  try {
    await work(api);
  } finally {
    await api.disconnect();
  }
}

before(async () => {
  await cryptoWaitReady();
});

test('isHotkeyRegistered() and uidForHotkey() read the recorded Uids entry (uid 29 on netuid 14)', async () => {
  await withReplay('is_hotkey_registered_on_subnet', async (api) => {
    assert.equal(await isHotkeyRegistered(api, 14, HOTKEY), true);
    assert.equal(await uidForHotkey(api, 14, HOTKEY), 29);
  });
});

test('neuronForHotkey() decodes the recorded get_neuron row of that hotkey', async () => {
  await withReplay('get_neuron_for_pubkey_and_subnet', async (api) => {
    const row = await neuronForHotkey(api, 14, HOTKEY);
    assert.ok(row);
    assert.equal(row.hotkey, HOTKEY);
    assert.equal(row.uid, 29);
    assert.equal(row.netuid, 14);
    assert.equal(row.active, true);
    assert.equal(row.validatorPermit, true);
    assert.equal(row.axon, null);
    assert.ok(Number.isFinite(row.stake) && row.stake > 0);
    assert.ok(Number.isFinite(row.emission) && row.emission > 0);
    for (const key of ['rank', 'trust', 'consensus', 'incentive', 'dividends', 'validatorTrust'] as const) {
      assert.ok(row[key] >= 0 && row[key] <= 1, `${key} = ${row[key]}`);
    }
    // A layout mismatch would scramble this; a live validator set weights within a few hundred blocks.
    assert.ok(
      row.lastUpdate <= HEAD_BLOCK && row.lastUpdate > HEAD_BLOCK - 1000,
      `lastUpdate ${row.lastUpdate}`,
    );
    assert.deepEqual(await neuronRow(api, 14, 29), row);
  });
});

test('an unregistered hotkey has no uid and no row', async () => {
  const alice = new Keyring({ type: 'sr25519', ss58Format: 42 }).addFromUri('//Alice').address;
  await withReplay(
    'is_hotkey_registered_on_subnet',
    async (api) => {
      assert.equal(await uidForHotkey(api, 14, alice), undefined);
      assert.equal(await isHotkeyRegistered(api, 14, alice), false);
      assert.equal(await neuronForHotkey(api, 14, alice), undefined);
    },
    { absentStorageIsNull: true },
  );
});

test('uidForHotkey() rejects a malformed hotkey before asking the chain', async () => {
  await withReplay('is_hotkey_registered_on_subnet', async (api) => {
    await assert.rejects(uidForHotkey(api, 14, HOTKEY.slice(0, -2)), (err: unknown) => {
      return isRoadworkError(err, 'ERR_HOTKEY_INVALID') && err.message.includes(HOTKEY.slice(0, -2));
    });
  });
});
