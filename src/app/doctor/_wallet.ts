/** Check 1: the hotkey the settings name loads (wallet file or secret), as `chain status` loads it. */
import type { Settings } from '../../core/config/index.js';
import type { Signer } from '../../wire/wallet/index.js';
import { hotkeyPath } from '../../wire/wallet/index.js';
import { result, type CheckResult } from './_types.js';

/** Where the hotkey comes from, in words (never the secret itself). */
export function walletSource(settings: Settings): string {
  if (settings['wallet.secret'] !== '') return 'the hotkey secret in the environment (wallet.secret)';
  return hotkeyPath({
    path: settings['wallet.path'],
    name: settings['wallet.name'],
    hotkey: settings['wallet.hotkey'],
  });
}

/** Loads the hotkey; the signer comes back for the checks that need it. */
export async function checkWallet(
  settings: Settings,
  loadSigner: (settings: Settings) => Promise<Signer> | Signer,
): Promise<{ check: CheckResult; signer?: Signer }> {
  const source = walletSource(settings);
  try {
    const signer = await loadSigner(settings);
    return {
      signer,
      check: result('wallet', 'ok', `Hotkey ${signer.ss58} loaded from ${source}.`, {
        data: { hotkey: signer.ss58, source },
      }),
    };
  } catch (err) {
    return {
      check: result('wallet', 'fail', `The hotkey does not load from ${source}: ${(err as Error).message}`, {
        fix:
          'Point --wallet.path, --wallet.name and --wallet.hotkey at the hotkey file btcli made, ' +
          'or create one with roadwork wallet create.',
        data: { source },
      }),
    };
  }
}
