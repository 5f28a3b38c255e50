// A real miner on 127.0.0.1 (a random port) for benchmarks: a local metagraph of the given validators
// and the miner, written to `dir`, and the settings on top of loopback defaults.
import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildMiner, type Miner, type MinerOverrides } from '../src/app/miner/index.js';
import { loadConfig, type SettingKey } from '../src/core/config/index.js';
import { writeLocalMetagraph } from '../src/validation/eval/local/index.js';
import { silentLogger } from '../src/core/log/index.js';
import type { Signer } from '../src/wire/wallet/index.js';

/** A started benchmark miner and where it listens. */
export interface BenchMiner {
  readonly miner: Miner;
  readonly port: number;
  /** What a dendrite calls. */
  readonly target: { readonly ip: string; readonly port: number; readonly hotkey: string };
}

/** Writes the metagraph (validators at stake 50 000), builds and starts the miner. */
export async function startBenchMiner(o: {
  readonly dir: string;
  readonly miner: Signer;
  readonly validators: readonly Signer[];
  readonly settings?: Partial<Record<SettingKey, unknown>>;
  readonly overrides?: Omit<MinerOverrides, 'signer'>;
  readonly logger?: Logger;
}): Promise<BenchMiner> {
  const file = join(o.dir, 'metagraph.json');
  await writeLocalMetagraph(file, { validators: o.validators, miner: o.miner, stake: 50_000 });
  const settings = loadConfig({
    defaults: {
      'axon.host': '127.0.0.1',
      'axon.port': 0,
      'metagraph.file': file,
      data_dir: o.dir,
      ...o.settings,
    },
  });
  const miner = await buildMiner(settings, o.logger ?? silentLogger(), { ...o.overrides, signer: o.miner });
  const { port } = await miner.start();
  return { miner, port, target: { ip: '127.0.0.1', port, hotkey: o.miner.ss58 } };
}
