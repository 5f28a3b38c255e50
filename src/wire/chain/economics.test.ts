// The dynamic-TAO reads of `roadwork roi`, replayed from recordings SCALE-encoded against the real
// spec-393 V16 metadata (test/fixtures/chain/economics.ts builds them; see its header).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ApiPromise } from '@polkadot/api';
import {
  OWNER,
  SCENARIOS,
  economicsRecordingText,
  hotkeyOf,
} from '../../../test/fixtures/chain/economics.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { fetchNeuronsAndOwnerShare } from './_economics.js';
import { CHAIN_FIXTURES_DIR, ReplayProvider } from './_test-replay-provider.js';
import { connectChain, mechanismShare, readSubnetEconomics } from './index.js';

async function withReplay<T>(recording: string, work: (api: ApiPromise) => Promise<T>): Promise<T> {
  const api = await connectChain('wss://replay.invalid', {
    timeoutMs: 20_000,
    providerFactory: () => new ReplayProvider(recording),
  });
  try {
    return await work(api);
  } finally {
    await api.disconnect();
  }
}

test('the checked-in economics recordings are what test/fixtures/chain/economics.ts builds', () => {
  for (const scenario of SCENARIOS) {
    const file = new URL(`recordings/${scenario.name}.json`, `file://${CHAIN_FIXTURES_DIR}`);
    assert.equal(
      readFileSync(file, 'utf8'),
      economicsRecordingText(scenario),
      `${scenario.name}.json is stale: node --import tsx scripts/chain-recordings.ts`,
    );
  }
});

test('readSubnetEconomics() decodes emission, pool, burn, owner and incentive of a healthy subnet', async () => {
  const e = await withReplay('economics-healthy', (api) => readSubnetEconomics(api, 72));
  const scenario = SCENARIOS[0];
  assert.ok(scenario);
  assert.equal(e.block, 7_400_000);
  assert.equal(e.blockSeconds, 12, 'Aura.SlotDuration of the V16 metadata');
  assert.equal(e.tempo, 360);
  assert.equal(e.alphaOutPerBlock, 1);
  assert.equal(e.ownerCut, 11_796 / 65_535);
  assert.equal(e.pendingServerAlpha, 41);
  assert.equal(e.blocksSinceLastStep, 100);
  assert.equal(e.minerAlphaPerBlock, 0.41);
  assert.equal(e.poolTao, 30_000);
  assert.equal(e.poolAlpha, 1_000_000);
  assert.equal(e.alphaPriceTao, 0.03);
  assert.equal(e.burnTao, 0.5);
  assert.equal(e.ownerIncentiveFate, 'burn');
  assert.equal(e.mechanisms, 1);
  assert.equal(e.mechanismSplit, null, 'MechanismEmissionSplit unset');
  assert.equal(e.mechanismShare, 1);
  assert.deepEqual(e.owner, OWNER);
  assert.equal(e.neurons.length, scenario.incentives.length);
  assert.deepEqual(
    e.neurons.map((n) => [n.uid, n.hotkey, n.incentive]),
    scenario.incentives.map((raw, uid) => [uid, hotkeyOf(uid), raw / 65_535]),
  );
  assert.deepEqual(
    e.neurons.filter((n) => n.dividends > 0).map((n) => n.uid),
    [1, 2, 3],
  );
});

test('on a burning subnet the owner UID holds all of the miner incentive', async () => {
  const e = await withReplay('economics-burning', (api) => readSubnetEconomics(api, 72));
  assert.equal(e.neurons[0]?.hotkey, OWNER.hotkey);
  assert.equal(e.neurons[0]?.incentive, 1);
  assert.ok(e.neurons.slice(1).every((n) => n.incentive === 0));
  assert.ok(
    Math.abs((e.minerAlphaPerBlock ?? 0) - 0.41) < 1e-12,
    'the miners’ alpha is still emitted, and burned',
  );
});

test('fetchNeuronsAndOwnerShare() gives the metagraph and the owner share from one neurons call', async () => {
  const burning = await withReplay('economics-burning', (api) => fetchNeuronsAndOwnerShare(api, 72));
  assert.equal(burning.neurons.length, 32);
  assert.equal(burning.ownerIncentiveShare, 1);
  const healthy = await withReplay('economics-healthy', (api) => fetchNeuronsAndOwnerShare(api, 72));
  const raw = SCENARIOS[0]?.incentives ?? [];
  const expected = (raw[0] ?? 0) / raw.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs((healthy.ownerIncentiveShare ?? 0) - expected) < 1e-12);
  assert.ok(expected > 0 && expected < 0.05);
});

test('on a runtime without the owner storage the metagraph still loads and the share is unknown', async () => {
  const old = await withReplay('metagraph', (api) => fetchNeuronsAndOwnerShare(api, 1));
  assert.equal(old.neurons.length, 1024);
  assert.equal(old.ownerIncentiveShare, undefined);
});

test('readSubnetEconomics() refuses a netuid the chain does not hold, naming it', async () => {
  await assert.rejects(
    withReplay('economics-no-subnet', (api) => readSubnetEconomics(api, 72)),
    (err: unknown) =>
      isRoadworkError(err, 'ERR_CONFIG_INVALID') && /netuid on the chain: 72/.test(err.message),
  );
});

test("readSubnetEconomics() reads MechanismEmissionSplit at the same block: mechanism 0 gets its part of the miners' alpha", async () => {
  const e = await withReplay('economics-mechanisms', (api) => readSubnetEconomics(api, 72));
  assert.equal(e.mechanisms, 2);
  assert.deepEqual(e.mechanismSplit, [16_384 / 65_535, 49_151 / 65_535]);
  assert.equal(e.mechanismShare, 16_384 / 65_535);
  assert.equal(
    e.minerAlphaPerBlock,
    0.41,
    'the accumulation stays whole; the share says what mechanism 0 gets',
  );
});

test("mechanismShare() divides as subtensor's split_emissions: the stored split, else evenly", () => {
  assert.equal(mechanismShare(1, null), 1);
  assert.equal(mechanismShare(3, null), 1 / 3);
  assert.equal(mechanismShare(2, [65_535]), 1, 'a split shorter than the mechanisms pads with zeros');
  assert.equal(mechanismShare(2, [0, 65_535]), 0);
  assert.equal(mechanismShare(0, null), 1, 'no count read: one mechanism');
});
