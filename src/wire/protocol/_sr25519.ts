// sr25519 verification on the hot path (schnorrkel-wasm) and a bounded cache of decoded hotkeys.
import { sr25519_verify } from '@polkadot-labs/schnorrkel-wasm';
import { decodeAddress, sr25519Verify as sr25519VerifyJs } from '@polkadot/util-crypto';

const SS58_PREFIX = 42;
const SIGNATURE_RE = /^0x[0-9a-fA-F]{128}$/;
// The order L of the Ristretto group; schnorrkel panics on a signature scalar s >= L.
const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const BYTES_OPEN = new TextEncoder().encode('<Bytes>');
const BYTES_CLOSE = new TextEncoder().encode('</Bytes>');
const encoder = new TextEncoder();

// A valid signature of "" by a fixed key: verifying it against another key only exercises the key decoding.
const PROBE_SIGNATURE = hexToBytes(
  '1049e2e8a9e7396a696d237365c0719fe5227f1bd1f6fc5e09e06e2b6015d05a' +
    'c7b30794c778d05e93e3085863e4277acb6d9abecd8d853a07365a9cd4168780',
);

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.startsWith('0x') ? hex.slice(2) : hex, 'hex'));
}

/** Why a hotkey could not become a public key. */
export type HotkeyProblem = 'not-ss58' | 'wrong-prefix' | 'not-a-point';

/**
 * Decoded sr25519 public keys by ss58 hotkey, bounded (oldest evicted first). Invalid hotkeys are
 * remembered too, so a flood of one bad address costs one decode.
 */
export class HotkeyCache {
  readonly #max: number;
  readonly #map = new Map<string, Uint8Array | HotkeyProblem>();

  constructor(options: { maxEntries?: number } = {}) {
    this.#max = Math.max(1, options.maxEntries ?? 10_000);
  }

  /** The 32-byte public key of `hotkey`, or why it has none. */
  publicKey(hotkey: string): Uint8Array | HotkeyProblem {
    const hit = this.#map.get(hotkey);
    if (hit !== undefined) return hit;
    const value = decodeHotkey(hotkey);
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next().value;
      if (oldest !== undefined) this.#map.delete(oldest);
    }
    this.#map.set(hotkey, value);
    return value;
  }

  /** Number of cached hotkeys. */
  get size(): number {
    return this.#map.size;
  }
}

/** Decodes an ss58 hotkey (prefix 42) into a public key that schnorrkel accepts. */
export function decodeHotkey(hotkey: string): Uint8Array | HotkeyProblem {
  let publicKey: Uint8Array;
  try {
    publicKey = decodeAddress(hotkey, false, SS58_PREFIX);
  } catch (err) {
    return String(err).includes('ss58Format') ? 'wrong-prefix' : 'not-ss58';
  }
  if (publicKey.length !== 32) return 'not-ss58';
  // schnorrkel-wasm panics (leaking its arguments and printing a stack) on a key that is not a Ristretto
  // point; the pure-JS verifier throws instead, so it vets each new key once.
  try {
    sr25519VerifyJs(new Uint8Array(0), PROBE_SIGNATURE, publicKey);
  } catch {
    return 'not-a-point';
  }
  return publicKey;
}

/** Parses `0x` + 64 bytes of hex; undefined when malformed or when schnorrkel would reject its encoding. */
export function parseSignature(signature: string): Uint8Array | undefined {
  if (!SIGNATURE_RE.test(signature)) return undefined;
  const bytes = hexToBytes(signature);
  // Pre-checks that keep the wasm verifier from panicking: the schnorrkel marker bit, and a canonical s.
  if (((bytes[63] ?? 0) & 0x80) === 0) return undefined;
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(i === 63 ? (bytes[i] ?? 0) & 0x7f : (bytes[i] ?? 0));
  return s < GROUP_ORDER ? bytes : undefined;
}

function verifyBytes(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return sr25519_verify(publicKey, message, signature);
  } catch {
    return false;
  }
}

/**
 * Verifies an sr25519 signature (signing context "substrate") of the UTF-8 `message`, also accepting the
 * message wrapped as `<Bytes>…</Bytes>` as the Rust verifier does. Never throws.
 */
export function verifySr25519(publicKey: Uint8Array, message: string, signature: Uint8Array): boolean {
  const bytes = encoder.encode(message);
  if (verifyBytes(publicKey, bytes, signature)) return true;
  const wrapped = new Uint8Array(BYTES_OPEN.length + bytes.length + BYTES_CLOSE.length);
  wrapped.set(BYTES_OPEN, 0);
  wrapped.set(bytes, BYTES_OPEN.length);
  wrapped.set(BYTES_CLOSE, BYTES_OPEN.length + bytes.length);
  return verifyBytes(publicKey, wrapped, signature);
}
