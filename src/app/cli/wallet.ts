/** `roadwork wallet`: create or inspect a hotkey in Bittensor's wallet format (never the coldkey). */
import { Command } from 'commander';
import { expandHome } from '../../core/files/index.js';
import { addSettingOptions, settingsFrom } from './_settings.js';

// A new hotkey file needs only its place; the secret setting would be ignored, so it is not offered.
const WALLET_FILE = ['wallet.path', 'wallet.name', 'wallet.hotkey'] as const;

/** Builds the `wallet` command group. */
export function walletCommand(env: Record<string, string | undefined>): Command {
  const wallet = new Command('wallet').description(
    'Create or inspect the miner hotkey (Bittensor wallet files)',
  );
  const create = new Command('create')
    .description(
      'Write a new hotkey file at <wallet.path>/<wallet.name>/hotkeys/<wallet.hotkey> (refuses to overwrite)',
    )
    .option('--quiet', 'do not print the mnemonic');
  addSettingOptions(create, WALLET_FILE).action(async (opts: Record<string, unknown>) => {
    const s = settingsFrom(opts, env);
    // The key libraries take a second to load, and only the action needs them (not `--help`).
    const { createWallet } = await import('../../wire/wallet/index.js');
    const made = await createWallet({
      path: expandHome(s['wallet.path']),
      name: s['wallet.name'],
      hotkey: s['wallet.hotkey'],
    });
    process.stdout.write(`${made.signer.ss58}\n`);
    process.stderr.write(`Hotkey written to ${made.path}\n`);
    if (!opts.quiet)
      process.stderr.write(
        `Mnemonic (store it offline; anyone with it controls the hotkey):\n  ${made.mnemonic}\n`,
      );
  });
  const show = new Command('show').description(
    "Print the configured hotkey's ss58 address (from the wallet file or the secret)",
  );
  addSettingOptions(show, ['wallet.']).action(async (opts: Record<string, unknown>) => {
    // The composition root pulls in every model runtime: import it only when a hotkey is really loaded.
    const { loadSigner } = await import('../miner/index.js');
    const signer = await loadSigner(settingsFrom(opts, env));
    process.stdout.write(`${signer.ss58}\n`);
  });
  return wallet.addCommand(create).addCommand(show);
}
