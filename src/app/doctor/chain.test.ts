// The doctor's chain reads against recorded Finney answers (netuid 1, block 6,852,690), as recorded and altered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connectDoctorChain } from './_chain.js';
import { RECORDED_UID0, ReplayProvider } from '../../wire/chain/_test-replay-provider.js';
import { alteredReplay, RECORDED, RECORDED_UID184, spreadIncentive } from './_test-replay.js';
import { checkRegistration } from './_registration.js';
import { checkSubnetState, subnetState } from './_subnet-state.js';
import { ownerIncentiveShare, type ProviderFactory } from '../../wire/chain/index.js';

async function withChain<T>(
  factory: ProviderFactory,
  fn: (chain: Awaited<ReturnType<typeof connectDoctorChain>>) => Promise<T>,
): Promise<T> {
  const chain = await connectDoctorChain('wss://replay.invalid', {
    providerFactory: factory,
    timeoutMs: 10_000,
  });
  try {
    return await fn(chain);
  } finally {
    await chain.close();
  }
}

test('readSubnet() decodes the recorded selective metagraph: 1024 uids, owner, immunity and registration blocks', async () => {
  await withChain(
    () => new ReplayProvider('metagraph', { absentStorageIsNull: true }),
    async (chain) => {
      assert.equal(chain.block, RECORDED.block);
      assert.equal(chain.specVersion, 343);
      const s = await chain.subnet(RECORDED.netuid);
      assert.ok(s);
      assert.equal(s.netuid, 1);
      assert.equal(s.block, RECORDED.block);
      assert.equal(s.neurons.length, 1024);
      assert.equal(s.ownerHotkey, RECORDED.ownerHotkey);
      assert.equal(s.immunityPeriod, RECORDED.immunityPeriod);
      assert.equal(s.tempo, 99);
      // The same uid 0 the neurons-lite call gives (live.test.ts), from another runtime API.
      const uid0 = s.neurons[0]!;
      assert.equal(uid0.hotkey, RECORDED_UID0.hotkey);
      assert.equal(uid0.stake, RECORDED_UID0.stake);
      assert.equal(uid0.registeredAt, 6_575_900);
      const mine = s.neurons[RECORDED_UID184.uid]!;
      assert.equal(mine.hotkey, RECORDED_UID184.hotkey);
      assert.equal(mine.registeredAt, RECORDED_UID184.registeredAt);
      // The recorded subnet burns: one uid, the owner's, holds all incentive.
      const earning = s.neurons.filter((n) => n.incentive > 0);
      assert.deepEqual(
        earning.map((n) => [n.uid, n.hotkey, n.incentive]),
        [[RECORDED.ownerUid, RECORDED.ownerHotkey, 1]],
      );
      assert.ok(Math.abs(s.neurons.reduce((a, n) => a + n.emission, 0) - 82.000457507) < 1e-6);
    },
  );
});

test('a subnet the runtime does not know reads as undefined and fails registration naming the netuid', async () => {
  // The recording has no answer for netuid 2: a replay that answers the node's `None` for it.
  class NoSubnet extends ReplayProvider {
    override async send<T>(method: string, params: unknown[]): Promise<T> {
      if (method === 'state_call' && params[0] === 'SubnetInfoRuntimeApi_get_selective_mechagraph')
        return '0x00' as T;
      return super.send<T>(method, params);
    }
  }
  await withChain(
    () => new NoSubnet('metagraph', { absentStorageIsNull: true }),
    async (chain) => {
      const s = await chain.subnet(2);
      assert.equal(s, undefined);
      const check = await checkRegistration(s, RECORDED_UID184.hotkey, {
        netuid: 2,
        registerHint: 'btcli ...',
      });
      assert.equal(check.status, 'fail');
      assert.match(check.message, /^Subnet 2 does not exist on this chain\./);
    },
  );
});

test('the recorded (burning) subnet: the subnet check fails saying mining earns nothing now', async () => {
  await withChain(
    () => new ReplayProvider('metagraph', { absentStorageIsNull: true }),
    async (chain) => {
      const s = await chain.subnet(RECORDED.netuid);
      assert.ok(s);
      const { check, halted } = await checkSubnetState(s, RECORDED_UID184.hotkey);
      assert.equal(halted, true);
      assert.equal(check.status, 'fail');
      assert.match(check.message, /^The subnet is halted\/burning: mining earns nothing now\./);
      assert.match(
        check.message,
        /100\.0% of the incentive sits on the owner's UIDs 395, 984, 0 other uids earn any/,
      );
      assert.match(
        check.message,
        /emission to miners 0\.0000 α per tempo \(owner's UIDs 41\.0002 α, all uids 82\.0005 α\)/,
      );
      assert.match(
        check.message,
        /Your uid 184: incentive 0\.00000, rank 0\.00000, emission 0\.0000 α per tempo\./,
      );
      assert.match(check.fix ?? '', /Do not pay for GPUs/);
    },
  );
});

test("a healthy subnet (the recording with the owner's incentive spread over 20 miners) passes with my incentive", async () => {
  const earners = [RECORDED_UID184.uid, ...Array.from({ length: 19 }, (_, i) => 500 + i)];
  const factory = await alteredReplay({ metagraph: spreadIncentive(earners) });
  await withChain(factory, async (chain) => {
    const s = await chain.subnet(RECORDED.netuid);
    assert.ok(s);
    const state = subnetState(s, RECORDED_UID184.hotkey);
    assert.equal(state.halted, false);
    assert.equal(state.earners, 20);
    assert.equal(state.ownerShare, 0);
    // 984 is another hotkey of the owner's coldkey, so the owner's too.
    assert.deepEqual(state.ownerUids, [RECORDED.ownerUid, RECORDED.ownerColdkeyUid]);
    assert.equal(state.mine?.uid, 184);
    assert.ok(Math.abs((state.mine?.incentive ?? 0) - 3276 / 65535) < 1e-9);
    assert.equal(state.emission.owner, 0);
    assert.ok(Math.abs(state.emission.total - 82.000457507) < 1e-6, 'emission moved, not made');
    const { check, halted } = await checkSubnetState(s, RECORDED_UID184.hotkey);
    assert.equal(halted, false);
    assert.equal(check.status, 'ok');
    assert.match(
      check.message,
      /^20 uids earn incentive; the owner's UIDs 395, 984 hold 0\.0%; emission to miners \d+\.\d{4} α per tempo \(owner's UIDs 0\.0000 α, all uids 82\.0005 α\)/,
    );
    assert.match(
      check.message,
      /Your uid 184: incentive 0\.04999, rank 0\.04999, emission 2\.0500 α per tempo\.$/,
    );
  });
});

test('the owner holding 90% of the incentive still counts as burning; 89% does not', async () => {
  for (const [ownerShare, halted] of [
    [0.9, true],
    [0.89, false],
  ] as const) {
    const factory = await alteredReplay({
      metagraph: (json) => {
        const inc = json['incentives'] as number[];
        inc[RECORDED.ownerUid] = Math.round(ownerShare * 10_000);
        inc[0] = Math.round((1 - ownerShare) * 10_000);
      },
    });
    await withChain(factory, async (chain) => {
      const s = await chain.subnet(RECORDED.netuid);
      assert.ok(s);
      assert.equal(subnetState(s, undefined).halted, halted, `owner share ${ownerShare}`);
    });
  }
});

test("the owner's share counts every hotkey of the owner's coldkey (wire/chain's ownerIncentiveShare), not the owner hotkey's UID alone", async () => {
  // As recorded, uid 984 is another hotkey of the owner's coldkey. Half the incentive on the owner
  // hotkey's UID and 45 % on 984 is 95 % on the owner: burning, though the owner hotkey holds 50 %.
  const factory = await alteredReplay({
    metagraph: (json) => {
      const inc = json['incentives'] as number[];
      inc[RECORDED.ownerUid] = 10_000;
      inc[RECORDED.ownerColdkeyUid] = 9_000;
      inc[0] = 1_000;
    },
  });
  await withChain(factory, async (chain) => {
    const s = await chain.subnet(RECORDED.netuid);
    assert.ok(s);
    assert.equal(s.neurons[RECORDED.ownerColdkeyUid]?.coldkey, s.ownerColdkey);
    assert.notEqual(s.neurons[RECORDED.ownerColdkeyUid]?.hotkey, s.ownerHotkey);
    const state = subnetState(s, undefined);
    assert.deepEqual(state.ownerUids, [RECORDED.ownerUid, RECORDED.ownerColdkeyUid]);
    assert.equal(
      state.ownerShare,
      ownerIncentiveShare(s.neurons, { hotkey: s.ownerHotkey, coldkey: s.ownerColdkey }),
    );
    assert.ok(Math.abs((state.ownerShare ?? 0) - 0.95) < 1e-9);
    assert.equal(state.earners, 1);
    const { check, halted } = await checkSubnetState(s, undefined);
    assert.equal(halted, true);
    assert.match(
      check.message,
      /95\.0% of the incentive sits on the owner's UIDs 395, 984, 1 other uids earn any/,
    );
  });
});

test('registration reports uid, stake, registration block and the immunity left from the recorded values', async () => {
  await withChain(
    () => new ReplayProvider('metagraph', { absentStorageIsNull: true }),
    async (chain) => {
      const s = await chain.subnet(RECORDED.netuid);
      const hint = 'btcli subnet register --netuid 1 --wallet.name miner --wallet.hotkey default';
      const mine = await checkRegistration(s, RECORDED_UID184.hotkey, { netuid: 1, registerHint: hint });
      assert.equal(mine.status, 'ok');
      // 6,846,827 + 7,200 − 6,852,690 = 1,337 blocks.
      assert.equal(mine.data?.immunityLeftBlocks, 1337);
      assert.match(
        mine.message,
        /^uid 184 on subnet 1, stake 0\.0000 α, registered at block 6846827; in immunity for 1,337 more blocks \(~4\.5 h\) of 7200\.$/,
      );
      const old = await checkRegistration(s, RECORDED_UID0.hotkey, { netuid: 1, registerHint: hint });
      assert.match(
        old.message,
        /stake 2\.5572 α, registered at block 6575900; immunity \(7200 blocks\) ended 269,590 blocks ago/,
      );
      const stranger = await checkRegistration(s, '5C4hrfjw9DjXZTzV3MwzrrAr9P1MJhSrvWGWqi1eSuyUpnhM', {
        netuid: 1,
        registerHint: hint,
      });
      assert.equal(stranger.status, 'fail');
      assert.match(stranger.message, /is not registered on subnet 1 \(1024 uids at block 6852690\)/);
      assert.equal(stranger.fix, `Register it: ${hint} (the coldkey pays; roadwork never touches it).`);
    },
  );
});

test('axon on chain: the recorded axon matches the configured ip:port; another port or none fails', async () => {
  const factory = await alteredReplay({ servedAxons: [RECORDED_UID184.hotkey] });
  await withChain(factory, async (chain) => {
    const { ip, port } = RECORDED_UID184.axon;
    const same = await chain.axon(1, RECORDED_UID184.hotkey, { ip, port });
    assert.equal(same.matches, true);
    assert.deepEqual(same.current, { ...RECORDED_UID184.axon, version: 9_012_002 });
    const other = await chain.axon(1, RECORDED_UID184.hotkey, { ip, port: port + 1 });
    assert.equal(other.matches, false);
    const none = await chain.axon(1, RECORDED_UID0.hotkey, { ip, port });
    assert.equal(none.current, undefined);
  });
});
