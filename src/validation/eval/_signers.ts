/** The simulated validators' hotkeys: derived from one secret, or one wallet hotkey shared by all. */
import { RoadworkError } from '../../core/errors/index.js';
import { hotkeyFromSecret, loadHotkey, type Signer, type WalletLocation } from '../../wire/wallet/index.js';

/** Where the validators' keys come from. */
export interface ValidatorKeys {
  /** A mnemonic or secret URI; with more than one validator, validator k signs as `secret//k`. */
  readonly secret?: string;
  /** A Bittensor wallet hotkey, used by every validator (each with its own dendrite uuid). */
  readonly wallet?: WalletLocation;
}

/**
 * `count` signers. One validator signs with the secret itself; K > 1 derive `//0 … //K-1`, each its
 * own hotkey (the miner's metagraph must know them). A wallet holds one hotkey, so all share it.
 */
export async function validatorSigners(keys: ValidatorKeys, count: number): Promise<Signer[]> {
  // The CLI checks --validators first (app/cli/eval.ts); this guards other callers.
  if (!Number.isInteger(count) || count < 1) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `The number of validators is not a whole number of at least 1: ${count}. Give 1 or more.`,
    );
  }
  if (keys.secret !== undefined) {
    const secret = keys.secret.trim();
    if (count === 1) return [hotkeyFromSecret(secret)];
    return Array.from({ length: count }, (_, k) => hotkeyFromSecret(`${secret}//${k}`));
  }
  const signer = await loadHotkey(keys.wallet ?? {});
  return Array.from({ length: count }, () => signer);
}
