/** A local "subnet" on disk: a miner and a validator hotkey, and a static metagraph naming both. */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { buildMetagraph, writeMetagraphFile } from '../../../wire/chain/index.js';
import { createWallet, loadHotkey, type Signer, type WalletLocation } from '../../../wire/wallet/index.js';

/** What local mode runs on. */
export interface LocalNetwork {
  readonly miner: Signer;
  readonly validator: Signer;
  readonly metagraphFile: string;
  readonly walletPath: string;
}

/** The local validator's stake: enough to pass any sensible `blacklist.min_stake`. */
export const LOCAL_VALIDATOR_STAKE = 10_000;

/**
 * Loads (or creates, first time) the local hotkeys under `<dataDir>/wallets`, and writes the
 * metagraph: uid 0 the validator (permit, stake), uid 1 the miner serving at `axon`.
 */
export async function prepareLocalNetwork(
  dataDir: string,
  axon: { ip: string; port: number },
  netuid = 72,
): Promise<LocalNetwork> {
  const walletPath = join(dataDir, 'wallets');
  const miner = await loadOrCreate({ path: walletPath, name: 'local-miner', hotkey: 'default' });
  const validator = await loadOrCreate({ path: walletPath, name: 'local-validator', hotkey: 'default' });
  const metagraphFile = join(dataDir, 'local-metagraph.json');
  await writeLocalMetagraph(metagraphFile, { validators: [validator], miner, axon, netuid });
  return { miner, validator, metagraphFile, walletPath };
}

/**
 * Writes a static metagraph of `validators` (uids 0…, each with a permit and `stake`) and the `miner`
 * (the next uid, no permit, serving at `axon`): what local mode, tests and benchmarks run on.
 */
export async function writeLocalMetagraph(
  file: string,
  o: {
    validators: readonly Signer[];
    miner: Signer;
    axon?: { ip: string; port: number };
    netuid?: number;
    stake?: number;
  },
): Promise<void> {
  const neurons = [
    ...o.validators.map((v, uid) => ({
      uid,
      hotkey: v.ss58,
      stake: o.stake ?? LOCAL_VALIDATOR_STAKE,
      validatorPermit: true,
      axon: null,
    })),
    {
      uid: o.validators.length,
      hotkey: o.miner.ss58,
      stake: 0,
      validatorPermit: false,
      axon: o.axon ?? { ip: '127.0.0.1', port: 8091 },
    },
  ];
  await writeMetagraphFile(file, buildMetagraph(o.netuid ?? 72, 0, neurons, Date.now()));
}

async function loadOrCreate(location: WalletLocation): Promise<Signer> {
  const file = join(location.path as string, location.name as string, 'hotkeys', location.hotkey as string);
  if (existsSync(file)) return loadHotkey(location);
  return (await createWallet(location)).signer;
}

/** A loopback port that was free a moment ago (local mode writes it into the metagraph before listening). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
