// Bittensor's unencrypted hotkey file: JSON with secretPhrase, secretSeed, privateKey, publicKey, ss58Address.
import { mnemonicValidate } from '@polkadot/util-crypto';
import { RoadworkError } from '../../core/errors/index.js';
import { keyFromMiniSecret, keyFromSecretKey, keyFromUri, type DerivedKey } from './_signer.js';

/** The fields a Bittensor (btwallet) hotkey file holds; all optional on read. */
export interface KeyfileData {
  accountId?: string;
  publicKey?: string;
  privateKey?: string;
  secretPhrase?: string;
  secretSeed?: string;
  ss58Address?: string;
  cryptoType?: number | string;
}

const HEX_RE = /^(0x)?[0-9a-fA-F]*$/;

function hexBytes(value: string, field: string, length: number, where: string): Uint8Array {
  const body = value.startsWith('0x') ? value.slice(2) : value;
  if (!HEX_RE.test(value) || body.length !== length * 2) {
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      `Field ${field} is not ${length} bytes of hex in ${where}: ${body.length / 2} bytes. Regenerate the hotkey.`,
    );
  }
  return Uint8Array.from(Buffer.from(body, 'hex'));
}

function field(data: Record<string, unknown>, name: string): string | undefined {
  const value = data[name] ?? data[` ${name}`];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Parses keyfile text into a keypair, in btwallet's order: secretPhrase, secretSeed, privateKey. */
export function keyFromKeyfile(text: string, where: string): { key: DerivedKey; ss58Address?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      `Hotkey file is not JSON: ${where}. It may be encrypted; miners need an unencrypted hotkey.`,
      { cause: err },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      `Hotkey file is not a JSON object: ${where}. Regenerate the hotkey.`,
    );
  }
  const data = parsed as Record<string, unknown>;
  const phrase = field(data, 'secretPhrase');
  const seed = field(data, 'secretSeed');
  const privateKey = field(data, 'privateKey');
  const publicKey = field(data, 'publicKey');
  let key: DerivedKey;
  if (phrase !== undefined) {
    if (!mnemonicValidate(phrase)) {
      throw new RoadworkError(
        'ERR_WALLET_INVALID',
        `Field secretPhrase is not a valid bip39 mnemonic in ${where}. Regenerate the hotkey.`,
      );
    }
    key = keyFromUri(phrase);
  } else if (seed !== undefined) {
    key = keyFromMiniSecret(hexBytes(seed, 'secretSeed', 32, where));
  } else if (privateKey !== undefined) {
    const expected = publicKey === undefined ? undefined : hexBytes(publicKey, 'publicKey', 32, where);
    key = keyFromSecretKey(hexBytes(privateKey, 'privateKey', 64, where), expected);
  } else {
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      `Hotkey file holds no secret (secretPhrase, secretSeed or privateKey): ${where}.`,
    );
  }
  return { key, ss58Address: field(data, 'ss58Address') };
}

function hex(bytes: Uint8Array): string {
  return `0x${Buffer.from(bytes).toString('hex')}`;
}

/** Serialises a new hotkey as btwallet does (plus `cryptoType` 1 = sr25519, which newer readers use). */
export function keyfileText(key: DerivedKey, mnemonic: string): string {
  const pub = hex(key.signer.publicKey);
  const data: KeyfileData = {
    accountId: pub,
    publicKey: pub,
    privateKey: hex(key.secretKey),
    secretPhrase: mnemonic,
    secretSeed: key.miniSecret === undefined ? undefined : hex(key.miniSecret),
    ss58Address: key.signer.ss58,
    cryptoType: 1,
  };
  return JSON.stringify(data);
}
