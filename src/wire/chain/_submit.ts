/** Signing an extrinsic with the hotkey, submitting it, and waiting (bounded) for its inclusion. */
import type { ApiPromise, SubmittableResult } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { DispatchError } from '@polkadot/types/interfaces';
import type { Signer as PolkadotSigner, SignerPayloadRaw, SignerResult } from '@polkadot/types/types';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { withTimeout } from '../../core/clock/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import type { Signer } from '../wallet/index.js';
import { callName } from './_serve.js';
import type { ChainReader } from './_queries.js';
import { atBestBlock } from './_status.js';

/** Options of {@link signAndSubmit}. */
export interface SubmitOptions {
  /** How long to wait for inclusion in a block; default 60 s (five blocks). */
  readonly timeoutMs?: number;
  /** Blocks the signed extrinsic stays valid; default 64 (about 13 minutes). */
  readonly mortalBlocks?: number;
}

/** Where the extrinsic landed. */
export interface Inclusion {
  readonly txHash: string;
  readonly blockHash: string;
}

// The node's wording for the refusals an operator can act on, and what to do.
const HINTS: readonly (readonly [RegExp, string])[] = [
  [/HotKeyNotRegistered/i, 'Register the hotkey first: btcli subnet register.'],
  [/ServingRateLimitExceeded/i, 'The chain limits how often an axon is re-served; wait and retry.'],
  [/InvalidIpAddress|InvalidIpType/i, 'Give the public IPv4 or IPv6 address validators can reach.'],
  [/InvalidPort/i, 'Give a port from 1 to 65535.'],
  [/bad signature/i, 'The signing key does not match the hotkey; check the wallet (wallet.* settings).'],
  [
    /outdated|stale|priority is too low|already imported/i,
    'A transaction of this hotkey is pending; wait a block and retry.',
  ],
  [
    /Inability to pay|balance too low/i,
    'The hotkey has no TAO to pay the fee; this call normally needs none.',
  ],
];

function hint(reason: string): string {
  return (
    HINTS.find(([pattern]) => pattern.test(reason))?.[1] ?? 'Check the hotkey and the settings, then retry.'
  );
}

/** A dispatch error as `Pallet.ErrorName: docs` when the metadata knows it, else its raw form. */
export function describeDispatchError(api: Pick<ApiPromise, 'registry'>, error: DispatchError): string {
  if (error.isModule) {
    try {
      const meta = api.registry.findMetaError(error.asModule);
      const section = `${meta.section[0]?.toUpperCase() ?? ''}${meta.section.slice(1)}`;
      const docs = meta.docs.join(' ').trim();
      return `${section}.${meta.name}${docs ? ` (${docs})` : ''}`;
    } catch {
      // An index the metadata does not list: show the raw module error rather than nothing.
    }
  }
  return error.toString();
}

/** The hotkey as a polkadot-js signer: signs the payload bytes (hashed past 256 bytes) as sr25519. */
export function polkadotSigner(signer: Signer): PolkadotSigner {
  return {
    signRaw: async ({ address, data }: SignerPayloadRaw): Promise<SignerResult> => {
      if (address !== signer.ss58) {
        throw new RoadworkError(
          'ERR_WALLET_INVALID',
          `The signer holds no key for: ${address}. Load that hotkey.`,
        );
      }
      const bytes = hexToU8a(data);
      const message = bytes.length > 256 ? blake2AsU8a(bytes) : bytes;
      // MultiSignature: a leading 0x01 names the sr25519 variant.
      const signature = u8aToHex(Uint8Array.of(1, ...signer.sign(message)));
      return { id: 1, signature: signature as `0x${string}` };
    },
  };
}

function refused(name: string, reason: string, cause?: unknown): RoadworkError {
  return new RoadworkError('ERR_CHAIN_SUBMIT', `The chain refused ${name}: ${reason}. ${hint(reason)}`, {
    cause,
  });
}

// System.Account's nonce at the pinned block: what polkadot-js itself uses when no nonce is given.
async function accountNonce(at: ChainReader, ss58: string): Promise<number> {
  const account: unknown = await at.query['system']?.['account']?.(ss58);
  const nonce = (account as { nonce?: { toNumber?: unknown } } | undefined)?.nonce;
  if (typeof nonce?.toNumber !== 'function') {
    throw new RoadworkError(
      'ERR_CHAIN_DECODE',
      "Cannot decode the hotkey's nonce: System.Account has no integer nonce. Update roadwork-miner.",
    );
  }
  return (nonce.toNumber as () => number).call(nonce);
}

/**
 * Signs `call` with the hotkey (nonce and a mortal era read at the best block), submits it and resolves
 * once a block includes it. Throws `ERR_CHAIN_SUBMIT` with the node's or the runtime's reason (module
 * errors by name) when it is refused, dropped, fails in the block, or is not included in time.
 */
export async function signAndSubmit(
  api: ApiPromise,
  call: SubmittableExtrinsic<'promise'>,
  signer: Signer,
  options: SubmitOptions = {},
): Promise<Inclusion> {
  const name = callName(call);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const { block, blockHash, at } = await atBestBlock(api);
  const nonce = await accountNonce(at, signer.ss58);
  const era = api.registry.createType('ExtrinsicEra', { current: block, period: options.mortalBlocks ?? 64 });
  let unsubscribe: (() => void) | undefined;
  let done = false;
  const included = new Promise<Inclusion>((resolve, reject) => {
    const onStatus = (result: SubmittableResult): void => {
      const { status, dispatchError, txHash } = result;
      if (status.isInBlock || status.isFinalized) {
        const inBlock = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex();
        if (dispatchError)
          reject(refused(name, `${describeDispatchError(api, dispatchError)} in block ${inBlock}`));
        else resolve({ txHash: txHash.toHex(), blockHash: inBlock });
      } else if (status.isInvalid || status.isDropped || status.isUsurped) {
        reject(refused(name, `the transaction pool reports it ${status.type}`));
      }
    };
    call
      .signAndSend(signer.ss58, { signer: polkadotSigner(signer), nonce, era, blockHash }, onStatus)
      .then((unsub) => {
        // The subscription may start only after a timeout gave up on it; end it at once then.
        if (done) unsub();
        else unsubscribe = unsub;
      })
      .catch((err: unknown) =>
        reject(err instanceof RoadworkError ? err : refused(name, (err as Error).message, err)),
      );
  });
  try {
    return await withTimeout(
      included,
      timeoutMs,
      () =>
        new RoadworkError(
          'ERR_CHAIN_SUBMIT',
          `${name} was not included within ${timeoutMs / 1000} s: tx ${call.hash.toHex()}. ` +
            'It may still land; check with `roadwork chain status` before sending again.',
        ),
    );
  } finally {
    done = true;
    unsubscribe?.();
  }
}
