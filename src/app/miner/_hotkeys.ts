/** The hotkeys one miner process serves: the main one (`wallet.*`, `axon.port`) and each of `miner.hotkeys`. */
import type { HotkeyEntry, Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import { expandHome } from '../../core/files/index.js';
import { hotkeyFromSecret, loadHotkey, type Signer } from '../../wire/wallet/index.js';

/** One served hotkey: who signs its answers and where its axon listens. */
export interface ServedIdentity {
  readonly signer: Signer;
  /** Axon port (0: any free one). */
  readonly port: number;
  /** Port published on chain and echoed in `bt_header_axon_port`; 0 = the bound port. */
  readonly externalPort: number;
}

/**
 * The main hotkey first (`main`, on `axon.port`), then each `miner.hotkeys` entry, its wallet loaded.
 * Refuses a hotkey or a port given twice: two axons cannot share a port, and one hotkey served twice
 * would answer each validator twice from one UID.
 */
export async function servedIdentities(settings: Settings, main: Signer): Promise<ServedIdentity[]> {
  const served: ServedIdentity[] = [
    { signer: main, port: settings['axon.port'], externalPort: settings['axon.external_port'] },
  ];
  for (const [i, entry] of settings['miner.hotkeys'].entries()) {
    const signer = await signerOf(entry, settings);
    const where = `miner.hotkeys entry ${i + 1}`;
    if (served.some((s) => s.signer.ss58 === signer.ss58))
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Setting ${where} serves a hotkey already served: ${signer.ss58}. Give each entry a different wallet hotkey.`,
      );
    if (entry.port !== 0 && served.some((s) => s.port === entry.port))
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Setting ${where} uses a port already used: ${entry.port}. Give each hotkey its own port (axon.port is the main hotkey's).`,
      );
    served.push({ signer, port: entry.port, externalPort: entry.externalPort });
  }
  return served;
}

function signerOf(entry: HotkeyEntry, settings: Settings): Promise<Signer> | Signer {
  if (entry.secret !== '') return hotkeyFromSecret(entry.secret);
  return loadHotkey({ path: expandHome(settings['wallet.path']), name: entry.name, hotkey: entry.hotkey });
}
