// Builds an sr25519 signer from a mini-secret, a mnemonic/URI or a 64-byte secret key.
import { sr25519_pubkey, sr25519_sign } from '@polkadot-labs/schnorrkel-wasm';
import { DEV_PHRASE } from '@polkadot/keyring';
import {
  encodeAddress,
  keyExtractSuri,
  keyFromPath,
  mnemonicToMiniSecret,
  sr25519PairFromSeed,
} from '@polkadot/util-crypto';
import { RoadworkError } from '../../core/errors/index.js';

/** A hotkey able to sign; the secret stays inside the closure. */
export interface Signer {
  /** ss58 address, prefix 42. */
  readonly ss58: string;
  /** The 32-byte sr25519 public key. */
  readonly publicKey: Uint8Array;
  /** sr25519 signature (context "substrate") of the UTF-8 string or the bytes; 64 bytes. */
  sign(message: string | Uint8Array): Uint8Array;
}

/** A derived keypair plus the secrets a keyfile records. */
export interface DerivedKey {
  readonly signer: Signer;
  /** 64-byte secret in polkadot.js / schnorrkel "ed25519" layout (key then nonce). */
  readonly secretKey: Uint8Array;
  /** The 32-byte mini-secret, when the key was not derived along a path. */
  readonly miniSecret?: Uint8Array;
}

const encoder = new TextEncoder();
const HEX64_RE = /^0x[0-9a-fA-F]{64}$/;

function makeSigner(publicKey: Uint8Array, secretKey: Uint8Array): Signer {
  const pub = Uint8Array.from(publicKey);
  const secret = Uint8Array.from(secretKey);
  return Object.freeze({
    ss58: encodeAddress(pub, 42),
    publicKey: pub,
    // schnorrkel-wasm signs ~20x faster than the pure-JS signer and reads the same 64-byte secret layout.
    sign: (message: string | Uint8Array) =>
      sr25519_sign(pub, secret, typeof message === 'string' ? encoder.encode(message) : message),
  });
}

/** Derives the keypair of a 32-byte mini-secret (Bittensor's `secretSeed`). */
export function keyFromMiniSecret(miniSecret: Uint8Array): DerivedKey {
  const pair = sr25519PairFromSeed(miniSecret);
  return { signer: makeSigner(pair.publicKey, pair.secretKey), secretKey: pair.secretKey, miniSecret };
}

/**
 * Derives a keypair from a secret URI as polkadot's keyring `addFromUri` does: a mnemonic (bip39 mini-secret)
 * or `0x` + 32-byte hex seed, optionally followed by `//hard`, `/soft` junctions and `///password`. A URI
 * that starts with a junction (`//Alice`) derives from the public dev phrase, as the keyring's does.
 */
export function keyFromUri(uri: string): DerivedKey {
  const suri = uri.trim();
  const { phrase, path, password } = keyExtractSuri(suri.startsWith('//') ? `${DEV_PHRASE}${suri}` : suri);
  const miniSecret = HEX64_RE.test(phrase)
    ? Uint8Array.from(Buffer.from(phrase.slice(2), 'hex'))
    : mnemonicToMiniSecret(phrase, password);
  const base = sr25519PairFromSeed(miniSecret);
  if (path.length === 0) return keyFromMiniSecret(miniSecret);
  const derived = keyFromPath(base, path, 'sr25519');
  return { signer: makeSigner(derived.publicKey, derived.secretKey), secretKey: derived.secretKey };
}

// Multiplying or dividing the scalar by the cofactor 8 converts between schnorrkel's two 64-byte layouts.
function scalarTimes8(secret: Uint8Array): Uint8Array {
  const out = Uint8Array.from(secret);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const v = (secret[i] ?? 0) * 8 + carry;
    out[i] = v & 0xff;
    carry = v >> 8;
  }
  return out;
}

/**
 * A keypair from a 64-byte `privateKey` (key then nonce). Writers disagree on the scalar layout, so both are
 * tried and the one whose public key matches `expectedPublicKey` wins.
 */
export function keyFromSecretKey(secretKey: Uint8Array, expectedPublicKey?: Uint8Array): DerivedKey {
  if (secretKey.length !== 64) {
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      `Private key has the wrong length: ${secretKey.length} bytes. Expected 64.`,
    );
  }
  for (const candidate of [secretKey, scalarTimes8(secretKey)]) {
    let pub: Uint8Array;
    try {
      pub = sr25519_pubkey(candidate);
    } catch {
      continue;
    }
    if (expectedPublicKey === undefined || Buffer.from(pub).equals(Buffer.from(expectedPublicKey))) {
      return { signer: makeSigner(pub, candidate), secretKey: candidate };
    }
  }
  throw new RoadworkError(
    'ERR_WALLET_INVALID',
    'Private key does not produce the recorded public key: the keyfile is inconsistent. Regenerate the hotkey.',
  );
}
