// Test support for chain writes: recordings answer every read, a tiny fake answers the submission.
import assert from 'node:assert/strict';
import { ApiPromise } from '@polkadot/api';
import type { ApiOptions } from '@polkadot/api/types';
import type { ProviderFactory } from './_api.js';
import { ReplayProvider, type ReplayOptions } from './_test-replay-provider.js';

type Provider = NonNullable<ApiOptions['provider']>;

/**
 * A tiny fake for the submission RPC only: it adds subscriptions to a replay and answers
 * `author_submitAndWatchExtrinsic` with the node's JSON-RPC error; every read still comes from the recording.
 */
export class RejectingSubmitProvider implements Provider {
  readonly hasSubscriptions = true;
  readonly isClonable = false;
  readonly submitted: string[] = [];
  #replay: ReplayProvider;
  #ids = 0;

  constructor(recording: string, options?: ReplayOptions) {
    this.#replay = new ReplayProvider(recording, options);
  }
  get isConnected(): boolean {
    return this.#replay.isConnected;
  }
  clone(): Provider {
    throw new Error('not clonable');
  }
  connect(): Promise<void> {
    return this.#replay.connect();
  }
  disconnect(): Promise<void> {
    return this.#replay.disconnect();
  }
  on(): () => void {
    return () => undefined;
  }
  send<T>(method: string, params: unknown[]): Promise<T> {
    return this.#replay.send<T>(method, params);
  }
  async subscribe(_type: string, method: string, params: unknown[]): Promise<number> {
    if (method === 'author_submitAndWatchExtrinsic') {
      this.submitted.push(String(params[0]));
      throw new Error('1010: Invalid Transaction: Transaction has a bad signature');
    }
    // Runtime-version and other background subscriptions simply never fire.
    return ++this.#ids;
  }
  async unsubscribe(): Promise<boolean> {
    return true;
  }
}

/** The replay plus one `Axons(netuid, hotkey)` entry, encoded with the recorded runtime's own types. */
export async function replayWithServedAxon(
  netuid: number,
  hotkey: string,
  axon: { ip: bigint; port: number; ipType: number; protocol: number },
): Promise<ProviderFactory> {
  const api = await ApiPromise.create({ provider: new ReplayProvider('metagraph'), noInitWarn: true });
  const storage = api.query['subtensorModule']?.['axons'];
  assert.ok(storage, 'the recorded runtime has SubtensorModule.Axons');
  const key = storage.key(netuid, hotkey);
  const type = api.registry.createLookupType(storage.creator.meta.type.asMap.value);
  const value = api.registry
    .createType(type, { block: 6_852_000, version: 0, ...axon, placeholder1: 0, placeholder2: 0 })
    .toHex();
  await api.disconnect();
  class Served extends ReplayProvider {
    override async send<T>(method: string, params: unknown[]): Promise<T> {
      if (method === 'state_getStorage' && params[0] === key) return value as T;
      const keys = method === 'state_queryStorageAt' ? (params[0] as string[]) : [];
      if (!keys.includes(key)) return super.send<T>(method, params);
      const rest = keys.filter((k) => k !== key);
      const answer: { changes: unknown[][] }[] = rest.length
        ? await super.send(method, [rest, params[1]])
        : [{ changes: [] }];
      answer[0]?.changes.push([key, value]);
      return answer as T;
    }
  }
  return () => new Served('metagraph', { absentStorageIsNull: true });
}
