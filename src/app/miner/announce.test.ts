// Publishing the axon at start, against replayed Finney answers (a tiny fake answers only the submission).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cryptoWaitReady, decodeAddress, mnemonicGenerate } from '@polkadot/util-crypto';
import { RejectingSubmitProvider, replayWithServedAxon } from '../../wire/chain/_test-submit.js';
import { loadConfig, type SettingKey } from '../../core/config/index.js';
import { createLogger } from '../../core/log/index.js';
import { hotkeyFromSecret, type Signer } from '../../wire/wallet/index.js';
import { announceAtStart } from './_announce.js';

// Registered as uid 29 on netuid 14 in the recordings.
const HOTKEY = '5Cf4LPRv6tiyuFsfLRQaFYEEn3zJRGi4bAE9DwbbKmbCSHpV';

before(async () => {
  await cryptoWaitReady();
});

function setup(settings: Partial<Record<SettingKey, unknown>>) {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const config = loadConfig({
    defaults: {
      'subtensor.chain_endpoint': 'wss://replay.invalid',
      'axon.external_ip': '203.0.113.7',
      ...settings,
    },
  });
  return { lines, logger, config };
}

test('announceAtStart() sends nothing when the chain already holds the axon, or the hotkey is not registered', async () => {
  const signer = hotkeyFromSecret(mnemonicGenerate(12));
  const served = { ip: (203n << 24n) | (113n << 8n) | 7n, port: 8091, ipType: 4, protocol: 4 };
  const providerFactory = await replayWithServedAxon(72, signer.ss58, served);
  const same = setup({ netuid: 72 });
  await announceAtStart(same.config, signer, 8091, same.logger, { providerFactory });
  assert.deepEqual(
    same.lines.map((l) => [l.level, l.msg]),
    [[30, 'The chain already holds this axon']],
  );
  const moved = setup({ netuid: 72 });
  await announceAtStart(moved.config, signer, 8092, moved.logger, { providerFactory });
  assert.deepEqual(
    moved.lines.map((l) => [l.level, l.msg]),
    [[40, 'Not publishing the axon: the hotkey is not registered on the subnet']],
  );
});

test('announceAtStart() signs and submits serve_axon for a registered hotkey whose axon moved, and survives a refusal', async () => {
  const provider = new RejectingSubmitProvider('get_neuron_for_pubkey_and_subnet', {
    absentStorageIsNull: true,
  });
  // The recorded hotkey's key is unknown: sign with another key, so the node refuses the signature.
  const other = hotkeyFromSecret(mnemonicGenerate(12));
  const signer: Signer = { ss58: HOTKEY, publicKey: decodeAddress(HOTKEY), sign: other.sign };
  const { lines, logger, config } = setup({ netuid: 14, 'axon.external_ip': '198.51.100.4' });
  await announceAtStart(config, signer, 8091, logger, { providerFactory: () => provider });
  assert.equal(provider.submitted.length, 1, 'one signed serve_axon reached the node');
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 40);
  assert.match(lines[0]!.msg, /^Could not publish the axon on chain; serving anyway/);
});

test('announceAtStart() without an external ip, with axon.publish off, or a static metagraph never touches the chain', async () => {
  const signer = hotkeyFromSecret(mnemonicGenerate(12));
  const providerFactory = () => {
    throw new Error('the chain was contacted');
  };
  const noIp = setup({ 'axon.external_ip': '' });
  await announceAtStart(noIp.config, signer, 8091, noIp.logger, { providerFactory });
  assert.match(noIp.lines[0]!.msg, /^Not publishing the axon: axon\.external_ip is empty/);
  for (const settings of [{ 'axon.publish': false }, { 'metagraph.file': 'metagraph.json' }]) {
    const off = setup(settings);
    await announceAtStart(off.config, signer, 8091, off.logger, { providerFactory });
    assert.deepEqual(off.lines, []);
  }
});

test("announceAtStart() publishes a further hotkey's own external port, not the main hotkey's axon.external_port", async () => {
  const signer = hotkeyFromSecret(mnemonicGenerate(12));
  const served = { ip: (203n << 24n) | (113n << 8n) | 7n, port: 8093, ipType: 4, protocol: 4 };
  const providerFactory = await replayWithServedAxon(72, signer.ss58, served);
  // Bound on 8092 behind a port map to 8093; the main hotkey publishes 9000.
  const own = setup({ netuid: 72, 'axon.external_port': 9000 });
  await announceAtStart(own.config, signer, 8092, own.logger, { providerFactory, externalPort: 8093 });
  assert.deepEqual(
    own.lines.map((l) => [l.level, l.msg]),
    [[30, 'The chain already holds this axon']],
  );
});
