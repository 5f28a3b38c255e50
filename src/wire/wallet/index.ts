// The miner's hotkey: loaded from a Bittensor wallet, from a secret in the environment, or created locally.
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { mnemonicGenerate } from '@polkadot/util-crypto';
import { RoadworkError, isRoadworkError } from '../../core/errors/index.js';
import { isOneName, makeDir } from '../../core/files/index.js';
import { keyFromKeyfile, keyfileText } from './_keyfile.js';
import { keyFromUri, type Signer } from './_signer.js';

export type { Signer } from './_signer.js';

/** Where a hotkey lives: `<path>/<name>/hotkeys/<hotkey>`; Bittensor's defaults. */
export interface WalletLocation {
  /** Wallets folder; `~` is expanded. Default `~/.bittensor/wallets`. */
  path?: string;
  /** Wallet (coldkey) name. Default `default`. */
  name?: string;
  /** Hotkey name. Default `default`. */
  hotkey?: string;
  /** Home folder used to expand `~`; defaults to the user's. */
  home?: string;
}

/** The hotkey file path for a wallet location, with `~` expanded. */
export function hotkeyPath(location: WalletLocation = {}): string {
  const home = location.home ?? homedir();
  const root = location.path ?? '~/.bittensor/wallets';
  const expanded = root === '~' ? home : root.startsWith('~/') ? join(home, root.slice(2)) : root;
  return join(
    expanded,
    oneName(location.name ?? 'default'),
    'hotkeys',
    oneName(location.hotkey ?? 'default'),
  );
}

// A wallet or hotkey name is one folder or file name: `../x` would put the hotkey outside the wallets.
function oneName(name: string): string {
  if (!isOneName(name))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Wallet and hotkey names are one folder or file name (not empty, no / or \\, not . or ..): ${JSON.stringify(name)}`,
    );
  return name;
}

function checkAddress(signer: Signer, expected: string | undefined, where: string): Signer {
  if (expected !== undefined && expected.trim() !== signer.ss58) {
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      `Derived hotkey ${signer.ss58} does not match the recorded ss58Address in ${where}: ${expected}. Check the secret.`,
    );
  }
  return signer;
}

/** Loads the hotkey from Bittensor's unencrypted hotkey file; checks the derived address against the file's. */
export async function loadHotkey(location: WalletLocation = {}): Promise<Signer> {
  const file = hotkeyPath(location);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new RoadworkError(
        'ERR_WALLET_NOT_FOUND',
        `Hotkey file does not exist: ${file}. Create one with \`btcli wallet new_hotkey\` or \`roadwork wallet create\`, or set the hotkey secret in the environment.`,
        { cause: err },
      );
    }
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      `Hotkey file cannot be read: ${file}. Check its permissions.`,
      { cause: err },
    );
  }
  try {
    const { key, ss58Address } = keyFromKeyfile(text, file);
    return checkAddress(key.signer, ss58Address, file);
  } catch (err) {
    if (isRoadworkError(err)) throw err;
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      `Hotkey file cannot be turned into a keypair: ${file}. Regenerate it.`,
      { cause: err },
    );
  }
}

/**
 * A hotkey from a secret given directly (environment route): a mnemonic, a `0x` 32-byte seed, or a secret
 * URI with derivation (`<mnemonic>//hard`, or `//Alice` on the public dev phrase). `ss58`, when given,
 * must equal the derived address.
 */
export function hotkeyFromSecret(secret: string, options: { ss58?: string } = {}): Signer {
  try {
    return checkAddress(keyFromUri(secret).signer, options.ss58, 'the given address');
  } catch (err) {
    if (isRoadworkError(err)) throw err;
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      'Hotkey secret is not a bip39 mnemonic, a 0x-prefixed 32-byte seed or a secret URI such as //Alice or <mnemonic>//hot: (hidden). Check the value.',
      { cause: err },
    );
  }
}

/**
 * Writes a new hotkey file in Bittensor's format (mode 0600, folders 0700) and returns its signer and
 * mnemonic. Refuses to overwrite an existing file.
 */
export async function createWallet(
  location: WalletLocation = {},
): Promise<{ signer: Signer; path: string; mnemonic: string }> {
  const file = hotkeyPath(location);
  const mnemonic = mnemonicGenerate(12);
  const key = keyFromUri(mnemonic);
  try {
    await makeDir(join(file, '..'), { mode: 0o700 });
    await writeFile(file, keyfileText(key, mnemonic), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new RoadworkError(
        'ERR_WALLET_EXISTS',
        `Hotkey file already exists: ${file}. Load it, or pick another hotkey name.`,
        { cause: err },
      );
    }
    throw new RoadworkError(
      'ERR_WALLET_INVALID',
      `Hotkey file cannot be written: ${file} (${(err as Error).message}). Check the path and its permissions.`,
      { cause: err },
    );
  }
  return { signer: key.signer, path: file, mnemonic };
}
