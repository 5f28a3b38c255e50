// Bittensor's axon `default_verify`, hardened: body hash, signature presence, nonce rules, sr25519 signature.
import { systemClock, type Clock } from '../../core/clock/index.js';
import { ERRORS, type ErrorCode } from '../../core/errors/index.js';
import { parseSynapseHeaders, type SynapseHeaders } from './_headers.js';
import { NonceStore, nonceKey } from './_nonces.js';
import { HotkeyCache, parseSignature, verifySr25519 } from './_sr25519.js';
import { computeBodyHash, synapseSpec } from './_synapses.js';

/** Dendrites from this version on (7.2.0) get the freshness window on their first nonce. */
export const NONCE_WINDOW_VERSION = 7_002_000;
/** Bittensor's `ALLOWED_DELTA`: slack added to the caller's timeout for the first nonce of a key. */
export const NONCE_ALLOWED_DELTA_NS = 4_000_000_000n;
/**
 * The `timeout` header is not signed, so a replayer could widen the window at will; it is capped here
 * (validators send 9 s, Bittensor's default is 12 s).
 */
export const MAX_WINDOW_TIMEOUT_S = 60;

/** A verification failure: the catalogue code, its status (400 or 401) and a message for the caller. */
export interface VerifyFailure {
  readonly ok: false;
  readonly status: 400 | 401;
  readonly code: string;
  readonly message: string;
}

/** The outcome of verifying one request; `caller` is the dendrite's ss58 hotkey. */
export type VerifyResult = { readonly ok: true; readonly caller: string } | VerifyFailure;

/** Dependencies of `verifyParsedRequest`, built once by the axon. */
export interface VerifyDeps {
  /** The axon's own ss58 hotkey; the signed message names it (never the header value). */
  readonly axonHotkey: string;
  readonly clock: Clock;
  readonly nonces: NonceStore;
  /** Decoded caller keys; pass a long-lived one so each hotkey is decoded once. */
  readonly keys?: HotkeyCache;
  /** Body fields, needed only for synapses that declare required hash fields (none on subnet 72). */
  readonly fields?: Record<string, unknown>;
}

function reject(code: ErrorCode, message: string): VerifyFailure {
  const status = ERRORS[code].status === 400 ? 400 : 401;
  return { ok: false, status, code, message };
}

function windowStartNs(nowNs: bigint, timeoutS: number): bigint {
  const capped = Math.min(Math.max(timeoutS, 0), MAX_WINDOW_TIMEOUT_S);
  return nowNs - (NONCE_ALLOWED_DELTA_NS + BigInt(Math.round(capped * 1e9)));
}

// Cheap checks first; nothing here touches the store or runs the curve.
function checkNonce(h: SynapseHeaders, deps: VerifyDeps, key: string): VerifyFailure | undefined {
  const { nonce, version } = h.dendrite;
  const last = deps.nonces.get(key);
  if (last !== undefined) {
    if (nonce <= last) {
      return reject(
        'ERR_NONCE_REPLAYED',
        `Nonce is not newer than the last accepted for this uuid: ${nonce}. Sign a fresh request.`,
      );
    }
    return undefined;
  }
  if (version !== undefined && version >= NONCE_WINDOW_VERSION) {
    const start = windowStartNs(deps.clock.nowNs(), h.timeout);
    if (nonce <= start) {
      const ageS = Number(deps.clock.nowNs() - nonce) / 1e9;
      return reject(
        'ERR_NONCE_STALE',
        `Nonce is older than the window: ${ageS.toFixed(2)} s. Check the caller's clock.`,
      );
    }
  }
  return undefined;
}

/**
 * Verifies already-parsed synapse headers, synchronously (the axon's hot path). Order: body hash, signature
 * present and well formed, caller hotkey, nonce rules, sr25519 signature; the nonce is stored only after the
 * signature verified. Never throws.
 */
export function verifyParsedRequest(h: SynapseHeaders, deps: VerifyDeps): VerifyResult {
  try {
    return verifyUnsafe(h, deps);
  } catch (err) {
    return reject('ERR_SIGNATURE_MISMATCH', `Request could not be verified: ${String(err)}.`);
  }
}

function verifyUnsafe(h: SynapseHeaders, deps: VerifyDeps): VerifyResult {
  const spec = synapseSpec(h.name);
  const expected = computeBodyHash(deps.fields ?? {}, spec?.requiredHashFields ?? []);
  if (h.computed_body_hash !== expected) {
    return reject(
      'ERR_BODY_HASH_MISMATCH',
      `Header computed_body_hash does not match ${h.name}: ${h.computed_body_hash.slice(0, 64)}. Expected ${expected}.`,
    );
  }
  const { signature: signatureText, hotkey, uuid, nonce } = h.dendrite;
  if (signatureText === '') {
    return reject(
      'ERR_SIGNATURE_MISSING',
      'Header bt_header_dendrite_signature is empty: sign every request.',
    );
  }
  const signature = parseSignature(signatureText);
  if (signature === undefined) {
    return reject(
      'ERR_SIGNATURE_MALFORMED',
      `Signature is not 0x followed by 64 bytes of sr25519 hex: ${signatureText.slice(0, 20)}…`,
    );
  }
  const key = nonceKey(hotkey, uuid);
  const nonceFailure = checkNonce(h, deps, key);
  if (nonceFailure !== undefined) return nonceFailure;
  const publicKey = (deps.keys ?? new HotkeyCache({ maxEntries: 1 })).publicKey(hotkey);
  if (typeof publicKey === 'string') {
    return reject(
      'ERR_HOTKEY_INVALID',
      `Caller hotkey is not an sr25519 ss58 address (prefix 42): ${hotkey.slice(0, 60)}.`,
    );
  }
  const message = `${nonce}.${hotkey}.${deps.axonHotkey}.${uuid}.${h.computed_body_hash}`;
  if (!verifySr25519(publicKey, message, signature)) {
    return reject(
      'ERR_SIGNATURE_MISMATCH',
      `Signature does not verify for caller ${hotkey}: sign "${nonce}.<caller>.<axon>.<uuid>.<body hash>" for this axon.`,
    );
  }
  deps.nonces.set(key, nonce);
  return { ok: true, caller: hotkey };
}

/**
 * Verifies a synapse request from its headers (names in any case), as Bittensor's axon does but always
 * requiring a signature. Pass a shared `nonces` store: the default fresh store cannot detect replays across
 * calls. Never throws.
 */
export async function verifySynapseRequest(
  headers: Record<string, string>,
  options: { axonHotkey: string; nowNs?: bigint; nonces?: NonceStore; keys?: HotkeyCache },
): Promise<{ ok: true; caller: string } | { ok: false; status: 400 | 401; code: string; message: string }> {
  const parsed = parseSynapseHeaders(headers);
  if (!parsed.ok) return { ok: false, status: parsed.status, code: parsed.code, message: parsed.message };
  const real = systemClock();
  const fixed = options.nowNs;
  const clock: Clock =
    fixed === undefined ? real : { nowNs: () => fixed, nowMs: () => Number(fixed / 1_000_000n) };
  return verifyParsedRequest(parsed.headers, {
    axonHotkey: options.axonHotkey,
    clock,
    nonces: options.nonces ?? new NonceStore(),
    keys: options.keys,
  });
}
