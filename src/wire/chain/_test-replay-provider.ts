/** A polkadot-js provider that answers from recorded Finney node traffic, for offline chain tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ApiOptions } from '@polkadot/api/types';
import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';

type ProviderInterface = NonNullable<ApiOptions['provider']>;

/** The recorded chain data the tests replay, vendored in `test/fixtures/chain` (see its README). */
export const CHAIN_FIXTURES_DIR = fileURLToPath(new URL('../../../test/fixtures/chain/', import.meta.url));

interface RecordedCall {
  readonly method: string;
  readonly params: readonly unknown[];
  readonly result: unknown;
}

interface Recording {
  readonly calls: readonly RecordedCall[];
  readonly metadata?: { readonly v14?: string; readonly v15?: string; readonly v16?: string } | null;
}

/** Options of {@link ReplayProvider}. */
/**
 * uid 0 of netuid 1 in `recordings/metagraph.json` (block 6,852,690) as polkadot-js's own toHuman()
 * shows it: ip 3,235,789,677 = 192.222.59.109, 2,557,172,316 rao.
 */
export const RECORDED_UID0 = Object.freeze({
  uid: 0,
  hotkey: '5DkMmXtWf16RNdusZGCrJ7ca7ADPgRnZLVWCWbgA7s7sy1AQ',
  stake: 2.557172316,
  validatorPermit: false,
  axon: Object.freeze({ ip: '192.222.59.109', port: 6028 }),
});

export interface ReplayOptions {
  /** Answer `state_getStorage` of keys the recording lacks with `null`, as a node does for absent keys. */
  readonly absentStorageIsNull?: boolean;
  /** Metadata hex file (relative to the fixtures folder) when the recording names none on disk. */
  readonly metadataV15?: string;
  /**
   * Answers for calls the recording lacks, keyed by method and parameters without the block hash, e.g.
   * `state_call["NeuronInfoRuntimeApi_get_neurons_lite","0xe703"]` (what a node answers for netuid 999).
   */
  readonly answers?: Readonly<Record<string, unknown>>;
}

// The python recorder sent these names; polkadot-js sends the ones on the right.
const METHOD_ALIASES: Readonly<Record<string, string>> = { state_getStorageAt: 'state_getStorage' };

// Where each method takes its optional block hash; a replay of one snapshot answers any block.
const AT_INDEX: Readonly<Record<string, number>> = {
  state_call: 2,
  state_getStorage: 1,
  state_getRuntimeVersion: 0,
  state_getMetadata: 0,
  chain_getHeader: 0,
  state_getKeysPaged: 3,
  state_queryStorageAt: 1,
};

// Bittensor's answers to start-up calls the recordings lack (ss58 42, 9 decimals, TAO).
const PROPERTIES = { ss58Format: 42, tokenDecimals: 9, tokenSymbol: 'TAO' };
const FINNEY_GENESIS = '0x2f0555cc76fc2840a25a6ea3b9637146806f1f44b090c175ffde2a7e5ab36c03';
// Vec<u32> [14, 15]: makes polkadot-js ask for V15, which carries the runtime-API definitions.
const METADATA_VERSIONS = '0x080e0000000f000000';
// Vec<u32> [14, 15, 16], for a recording made against V16 metadata (polkadot-js asks for the newest).
const METADATA_VERSIONS_V16 = '0x0c0e0000000f00000010000000';

function normaliseParams(method: string, params: readonly unknown[]): unknown[] {
  const out = [...params];
  if (method === 'state_call' && typeof out[1] === 'string' && !out[1].startsWith('0x'))
    out[1] = `0x${out[1]}`;
  while (out.length > 0 && (out.at(-1) === null || out.at(-1) === undefined)) out.pop();
  return out;
}

function keysOf(method: string, params: readonly unknown[]): [exact: string, atless: string] {
  const norm = normaliseParams(method, params);
  const at = AT_INDEX[method];
  const atless = at === undefined ? norm : norm.slice(0, at);
  return [`${method}${JSON.stringify(norm)}`, `${method}${JSON.stringify(atless)}`];
}

function readHex(relative: string): string {
  return readFileSync(new URL(relative, `file://${CHAIN_FIXTURES_DIR}`), 'utf8').trim();
}

// The answer of Metadata_metadata_at_version: Option<OpaqueMetadata>, i.e. 01, compact length, the bytes.
function opaqueMetadata(relative: string): string {
  const bytes = readFileSync(new URL(relative, `file://${CHAIN_FIXTURES_DIR}`));
  return u8aToHex(u8aConcat([1], compactToU8a(bytes.length), bytes));
}

/** Replays one recording of `test/fixtures/chain/recordings`; an unrecorded call rejects, naming it. */
export class ReplayProvider implements ProviderInterface {
  readonly hasSubscriptions = false;
  readonly isClonable = false;
  readonly calls: string[] = [];
  #exact = new Map<string, unknown>();
  #atless = new Map<string, unknown>();
  #connected = true;
  #options: ReplayOptions;

  constructor(recording: string, options: ReplayOptions = {}) {
    this.#options = options;
    const file = new URL(`recordings/${recording}.json`, `file://${CHAIN_FIXTURES_DIR}`);
    const data = JSON.parse(readFileSync(file, 'utf8')) as Recording;
    for (const call of data.calls) {
      const method = METHOD_ALIASES[call.method] ?? call.method;
      const [exact, atless] = keysOf(method, call.params);
      this.#exact.set(exact, call.result);
      if (!this.#atless.has(atless)) this.#atless.set(atless, call.result);
    }
    const v15 = options.metadataV15 ?? 'metadata/finney-spec343-v15.metadata_at_version.hex';
    const v16 = data.metadata?.v16;
    this.#exact.set(
      'state_call["Metadata_metadata_versions","0x"]',
      v16 ? METADATA_VERSIONS_V16 : METADATA_VERSIONS,
    );
    this.#atless.set('state_call["Metadata_metadata_at_version","0x0f000000"]', readHex(v15));
    if (v16) this.#atless.set('state_call["Metadata_metadata_at_version","0x10000000"]', opaqueMetadata(v16));
    this.#atless.set('system_properties[]', PROPERTIES);
    this.#atless.set('chain_getBlockHash[0]', FINNEY_GENESIS);
    this.#atless.set('system_chain[]', 'Bittensor');
    if (!this.#atless.has('rpc_methods[]')) this.#atless.set('rpc_methods[]', recordedRpcMethods());
    for (const [key, value] of Object.entries(options.answers ?? {})) this.#atless.set(key, value);
  }

  get isConnected(): boolean {
    return this.#connected;
  }

  clone(): ProviderInterface {
    throw new Error('ReplayProvider cannot be cloned');
  }

  async connect(): Promise<void> {
    this.#connected = true;
  }

  async disconnect(): Promise<void> {
    this.#connected = false;
  }

  on(): () => void {
    return () => undefined;
  }

  async send<T = unknown>(method: string, params: unknown[]): Promise<T> {
    if (!this.#connected) throw new Error(`ReplayProvider is disconnected: ${method}`);
    const [exact, atless] = keysOf(method, params);
    this.calls.push(exact);
    if (this.#exact.has(exact)) return this.#exact.get(exact) as T;
    if (this.#atless.has(atless)) return this.#atless.get(atless) as T;
    if (method === 'state_queryStorageAt') return this.#queryStorageAt(params) as T;
    return this.#storage(method, params) as T;
  }

  #storage(method: string, params: readonly unknown[]): unknown {
    if (method === 'state_getStorage' && this.#options.absentStorageIsNull) return null;
    throw new Error(`No recorded answer for ${keysOf(method, params)[0]}`);
  }

  // Without subscriptions polkadot-js reads storage with state_queryStorageAt; the python client used
  // one state_getStorageAt per key, so the change set is rebuilt from those.
  #queryStorageAt(params: readonly unknown[]): unknown {
    const keys = (params[0] ?? []) as string[];
    const changes = keys.map((key) => {
      const [exact, atless] = keysOf('state_getStorage', [key, params[1]]);
      const value =
        this.#exact.get(exact) ?? this.#atless.get(atless) ?? this.#storage('state_getStorage', [key]);
      return [key, value];
    });
    return [{ block: `0x${'00'.repeat(32)}`, changes }];
  }

  async subscribe(_type: string, method: string): Promise<number> {
    throw new Error(`ReplayProvider has no subscriptions: ${method}`);
  }

  async unsubscribe(): Promise<boolean> {
    return false;
  }
}

// A real subtensor node's rpc_methods answer (recorded in bonds.json); polkadot-js hides any RPC not listed.
function recordedRpcMethods(): unknown {
  const file = new URL('recordings/bonds.json', `file://${CHAIN_FIXTURES_DIR}`);
  const data = JSON.parse(readFileSync(file, 'utf8')) as Recording;
  return data.calls.find((c) => c.method === 'rpc_methods')?.result;
}

/** A provider that never connects: every call waits until disconnect, like an unreachable endpoint. */
export class DeadProvider implements ProviderInterface {
  readonly hasSubscriptions = false;
  readonly isClonable = false;
  readonly isConnected = false;
  sent = 0;

  clone(): ProviderInterface {
    return new DeadProvider();
  }
  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  on(): () => void {
    return () => undefined;
  }
  async send<T>(method: string): Promise<T> {
    this.sent++;
    throw new Error(`DeadProvider cannot send ${method}`);
  }
  async subscribe(): Promise<number> {
    throw new Error('DeadProvider cannot subscribe');
  }
  async unsubscribe(): Promise<boolean> {
    return false;
  }
}
