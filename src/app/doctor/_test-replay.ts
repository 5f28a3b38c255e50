/**
 * Test helper: the recorded Finney netuid-1 chain (`recordings/metagraph.json`, block 6,852,690) replayed
 * with chosen answers altered: the selective metagraph re-encoded with new incentive/emission vectors, and
 * `Axons` storage entries the recording lacks. The recorded subnet itself is burning (all incentive on the
 * owner's UID 395), so the unaltered replay is the halted case.
 */
import { ApiPromise } from '@polkadot/api';
import { u8aToHex } from '@polkadot/util';
import type { ProviderFactory } from '../../wire/chain/index.js';
import { ReplayProvider } from '../../wire/chain/_test-replay-provider.js';

/** Netuid and block of the recording. */
export const RECORDED = Object.freeze({
  netuid: 1,
  block: 6_852_690,
  ownerHotkey: '5HCFWvRqzSHWRPecN7q8J6c7aKQnrCZTMHstPv39xL1wgDHh',
  ownerUid: 395,
  /** Another hotkey of the owner's coldkey (`SubnetOwner`), so one of the owner's UIDs too. */
  ownerColdkeyUid: 984,
  immunityPeriod: 7200,
});

/** Uid 184 as recorded: registered 5,863 blocks before the head, serving 176.93.235.47:8092 protocol 4. */
export const RECORDED_UID184 = Object.freeze({
  uid: 184,
  hotkey: '5FmyPf6gnDDKe4cGED8CsnMsNhU5s1AfwguyjZJkAdT3vTmr',
  registeredAt: 6_846_827,
  axon: Object.freeze({ ip: '176.93.235.47', port: 8092, protocol: 4, block: 6_846_849 }),
});

const MECHAGRAPH = 'SubnetInfoRuntimeApi_get_selective_mechagraph';

/** How to alter the replay. */
export interface Alterations {
  /** Rewrites the metagraph's vectors (incentives, rank, emission...) in their JSON form. */
  readonly metagraph?: (json: Record<string, unknown[] | unknown>) => void;
  /** Hotkeys whose recorded `axons[uid]` entry is also answered as their `Axons(netuid, hotkey)` storage. */
  readonly servedAxons?: readonly string[];
}

/** Builds the altered replay (reads the recording once with the recorded runtime's own types). */
export async function alteredReplay(alter: Alterations = {}): Promise<ProviderFactory> {
  const api = await ApiPromise.create({
    provider: new ReplayProvider('metagraph', { absentStorageIsNull: true }),
    noInitWarn: true,
  });
  const overrides = new Map<string, string>();
  let mechagraph: string | undefined;
  try {
    const at = await api.at((await api.rpc.chain.getHeader()).hash);
    const call = at.call['subnetInfoRuntimeApi']?.['getSelectiveMechagraph'];
    if (!call) throw new Error('the recorded runtime has no getSelectiveMechagraph');
    const answer = await call(
      RECORDED.netuid,
      0,
      Array.from({ length: 74 }, (_, i) => i),
    );
    const json = (answer.toJSON() ?? {}) as Record<string, unknown>;
    alter.metagraph?.(json);
    mechagraph = u8aToHex(api.registry.createType(answer.toRawType(), json).toU8a());
    const axons = api.query['subtensorModule']?.['axons'];
    if (!axons) throw new Error('the recorded runtime has no Axons storage');
    const type = api.registry.createLookupType(axons.creator.meta.type.asMap.value);
    const hotkeys = json['hotkeys'] as string[];
    for (const hotkey of alter.servedAxons ?? []) {
      const info = (json['axons'] as Record<string, unknown>[])[hotkeys.indexOf(hotkey)];
      overrides.set(axons.key(RECORDED.netuid, hotkey), api.registry.createType(type, info).toHex());
    }
  } finally {
    await api.disconnect();
  }
  class Altered extends ReplayProvider {
    override async send<T>(method: string, params: unknown[]): Promise<T> {
      if (method === 'state_call' && params[0] === MECHAGRAPH && mechagraph) return mechagraph as T;
      if (method === 'state_getStorage' && overrides.has(String(params[0])))
        return overrides.get(String(params[0])) as T;
      if (method === 'state_queryStorageAt') {
        const keys = params[0] as string[];
        const mine = keys.filter((k) => overrides.has(k));
        if (mine.length > 0) {
          const rest = keys.filter((k) => !overrides.has(k));
          const answer: { changes: unknown[][] }[] = rest.length
            ? await super.send(method, [rest, params[1]])
            : [{ block: `0x${'00'.repeat(32)}`, changes: [] } as never];
          for (const k of mine) answer[0]?.changes.push([k, overrides.get(k)]);
          return answer as T;
        }
      }
      return super.send<T>(method, params);
    }
  }
  return () => new Altered('metagraph', { absentStorageIsNull: true });
}

/**
 * A healthy subnet made from the recording: the owner's incentive and emission spread evenly over
 * `earners` serving uids (`mine` among them), the owner's UID left with none.
 */
export function spreadIncentive(earners: readonly number[]): Alterations['metagraph'] {
  return (json) => {
    const incentives = json['incentives'] as number[];
    const ranks = json['rank'] as number[];
    const emission = json['emission'] as (number | string)[];
    const owner = RECORDED.ownerUid;
    const share = Math.floor(65535 / earners.length);
    const pot = BigInt(emission[owner] ?? 0);
    for (const uid of earners) {
      incentives[uid] = share;
      ranks[uid] = share;
      emission[uid] = Number(BigInt(emission[uid] ?? 0) + pot / BigInt(earners.length));
    }
    incentives[owner] = 0;
    ranks[owner] = 0;
    emission[owner] = 0;
  };
}
