/** Check 3: the axon published on chain is the configured public ip:port, protocol 4. */
import type { Settings } from '../../core/config/index.js';
import type { DoctorChain } from './_chain.js';
import { result, type CheckResult } from './_types.js';

/** The public ip and port the settings publish (as `roadwork chain serve-axon` takes them). */
export function configuredAxon(settings: Settings): { ip: string; port: number } {
  return { ip: settings['axon.external_ip'], port: settings['axon.external_port'] || settings['axon.port'] };
}

/** Compares the chain's `Axons` entry for `hotkey` with the settings' public ip and port. */
export async function checkChainAxon(
  chain: Pick<DoctorChain, 'axon'>,
  target: { readonly hotkey: string; readonly settings: Settings },
): Promise<CheckResult> {
  const { hotkey, settings } = target;
  const want = configuredAxon(settings);
  const publish = `roadwork chain serve-axon --ip ${want.ip || 'PUBLIC_IP'} --port ${want.port}`;
  try {
    const { current, matches } = await chain.axon(settings.netuid, hotkey, want.ip === '' ? undefined : want);
    const held = current
      ? `${current.ip}:${current.port} protocol ${current.protocol} (served at block ${current.block})`
      : undefined;
    const data = { configured: want, onChain: current ?? null };
    if (current === undefined) {
      return result(
        'axon-chain',
        'fail',
        'No axon is published on chain for the hotkey: validators cannot find the miner.',
        {
          fix: `Publish it: ${publish}`,
          data,
        },
      );
    }
    if (want.ip === '') {
      return result(
        'axon-chain',
        'warn',
        `The chain holds ${held}; axon.external_ip is not set, so there is nothing to compare.`,
        {
          fix: 'Set axon.external_ip (and axon.external_port) to the address validators dial.',
          data,
        },
      );
    }
    if (matches) {
      return result('axon-chain', 'ok', `The chain holds ${held}, as configured.`, { data });
    }
    return result(
      'axon-chain',
      'fail',
      `The chain holds ${held}, the settings say ${want.ip}:${want.port} protocol 4: validators dial the chain's.`,
      { fix: `Publish the configured one: ${publish}`, data },
    );
  } catch (err) {
    return result('axon-chain', 'fail', `Cannot compare the axon: ${(err as Error).message}`, {
      fix: 'Check axon.external_ip and axon.external_port.',
      data: { configured: want },
    });
  }
}
