/** Runs the checks in order over injected parts, one failing check never stopping the others. */
import { resolveEndpoint, type ProviderFactory } from '../../wire/chain/index.js';
import { systemClock, type Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import type { Signer } from '../../wire/wallet/index.js';
import { checkChainAxon } from './_axon-chain.js';
import { checkLocalAxon } from './_axon-local.js';
import { connectDoctorChain, type DoctorChain } from './_chain.js';
import { checkHost, type HostProbe } from './_host.js';
import { checkModel } from './_model.js';
import { checkRegistration } from './_registration.js';
import { checkSubnetState } from './_subnet-state.js';
import type { SubnetSnapshot } from './_subnet.js';
import { checkTraffic } from './_traffic.js';
import { CHECK_IDS, reportOf, result, type CheckId, type CheckResult, type DoctorReport } from './_types.js';
import { checkWallet } from './_wallet.js';

/** What the operator asked for. */
export interface DoctorOptions {
  /** Skip the chain checks (no node is contacted). */
  readonly offline?: boolean;
  /** The running axon; default from `axon.host` and `axon.port` (`0.0.0.0` dials 127.0.0.1). */
  readonly axonUrl?: string;
  /** The running miner's metrics; default `<axonUrl>/metrics`. */
  readonly metricsUrl?: string;
  /** How long to wait for the subtensor node. Default 30 s. */
  readonly chainTimeoutMs?: number;
  /** How long to wait for the axon and its metrics. Default 10 s. */
  readonly httpTimeoutMs?: number;
}

/** The parts the checks use; the CLI passes the real ones, tests fakes or replays. */
export interface DoctorDeps {
  readonly loadSigner: (settings: Settings) => Promise<Signer> | Signer;
  /** Opens the chain; default a websocket to the endpoint (through `providerFactory` when given). */
  readonly connect?: (endpoint: string, timeoutMs: number) => Promise<DoctorChain>;
  readonly providerFactory?: ProviderFactory;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  readonly host?: HostProbe;
  /** The throw-away caller of the local-axon check; default a fresh random key. */
  readonly stranger?: () => Signer;
}

/** The axon URL the settings imply: the listen address, with wildcard addresses dialled on loopback. */
export function defaultAxonUrl(settings: Settings): string {
  const host = settings['axon.host'];
  const dial = host === '' || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${dial.includes(':') ? `[${dial}]` : dial}:${settings['axon.port']}`;
}

async function guarded(id: CheckId, run: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await run();
  } catch (err) {
    return result(id, 'fail', `The check itself failed: ${(err as Error).message}`, {
      fix: 'Run again; if it persists, report it with this message.',
    });
  }
}

function skip(id: CheckId, why: string, fix?: string): CheckResult {
  return result(id, 'skip', `Skipped: ${why}.`, fix ? { fix } : {});
}

/** Runs every check and returns the report, in `CHECK_IDS` order. */
export async function runDoctor(
  settings: Settings,
  deps: DoctorDeps,
  options: DoctorOptions = {},
): Promise<DoctorReport> {
  const clock = deps.clock ?? systemClock();
  const http = deps.fetch ?? fetch;
  const out = new Map<CheckId, CheckResult>();
  const put = (c: CheckResult) => out.set(c.id, c);
  const wallet = await checkWallet(settings, deps.loadSigner);
  put(wallet.check);
  const hotkey = wallet.signer?.ss58;
  let halted: boolean | undefined;

  if (options.offline) {
    put(
      skip(
        'chain',
        'offline (--offline); no node was contacted',
        'Run without --offline to check the chain.',
      ),
    );
    for (const id of ['registration', 'axon-chain', 'subnet'] as const) put(skip(id, 'offline'));
  } else {
    halted = await chainChecks(settings, deps, options, hotkey, put);
  }

  const axonUrl = (options.axonUrl ?? defaultAxonUrl(settings)).replace(/\/+$/, '');
  put(
    await guarded('axon-local', () =>
      checkLocalAxon({
        axonUrl,
        minerHotkey: hotkey,
        fetch: http,
        clock,
        stranger: deps.stranger,
        timeoutMs: options.httpTimeoutMs,
      }),
    ),
  );
  put(
    await guarded('traffic', () =>
      checkTraffic({
        metricsUrl: options.metricsUrl ?? `${axonUrl}/metrics`,
        fetch: http,
        clock,
        halted,
        token: settings['metrics.token'] || undefined,
        timeoutMs: options.httpTimeoutMs,
      }),
    ),
  );
  put(await guarded('model', () => checkModel(settings, clock)));
  put(await guarded('host', () => checkHost(settings.data_dir, deps.host)));
  return reportOf(CHECK_IDS.map((id) => out.get(id) ?? skip(id, 'not run')));
}

const NO_HOTKEY = 'no hotkey (see the wallet check)';

function axonCheck(chain: DoctorChain, settings: Settings, hotkey: string | undefined): Promise<CheckResult> {
  if (hotkey === undefined) return Promise.resolve(skip('axon-chain', NO_HOTKEY));
  return guarded('axon-chain', () => checkChainAxon(chain, { hotkey, settings }));
}

// The chain checks share one connection; returns whether the subnet is halted (undefined: unknown).
async function chainChecks(
  settings: Settings,
  deps: DoctorDeps,
  options: DoctorOptions,
  hotkey: string | undefined,
  put: (c: CheckResult) => void,
): Promise<boolean | undefined> {
  const endpoint = resolveEndpoint(settings['subtensor.chain_endpoint'] || settings['subtensor.network']);
  const connect =
    deps.connect ??
    ((e: string, timeoutMs: number) =>
      connectDoctorChain(e, { timeoutMs, providerFactory: deps.providerFactory }));
  let chain: DoctorChain;
  try {
    chain = await connect(endpoint, options.chainTimeoutMs ?? 30_000);
  } catch (err) {
    put(
      result('chain', 'fail', `Cannot reach the subtensor node: ${(err as Error).message}`, {
        fix:
          'Check the network, try another node with --subtensor.chain_endpoint wss://HOST:PORT, ' +
          'or run with --offline to check the rest.',
        data: { endpoint },
      }),
    );
    for (const id of ['registration', 'axon-chain', 'subnet'] as const) put(skip(id, 'no chain'));
    return undefined;
  }
  try {
    put(
      result('chain', 'ok', `Block ${chain.block} at ${endpoint} (runtime spec ${chain.specVersion}).`, {
        data: { endpoint, block: chain.block, specVersion: chain.specVersion },
      }),
    );
    let snapshot: SubnetSnapshot | undefined;
    try {
      snapshot = await chain.subnet(settings.netuid);
    } catch (err) {
      put(result('registration', 'fail', `Cannot read subnet ${settings.netuid}: ${(err as Error).message}`));
      put(skip('subnet', 'the subnet could not be read'));
      put(await axonCheck(chain, settings, hotkey));
      return undefined;
    }
    put(
      hotkey === undefined
        ? skip('registration', NO_HOTKEY)
        : await guarded('registration', () =>
            checkRegistration(snapshot, hotkey, {
              netuid: settings.netuid,
              registerHint: `btcli subnet register --netuid ${settings.netuid} --wallet.name ${settings['wallet.name']} --wallet.hotkey ${settings['wallet.hotkey']}`,
            }),
          ),
    );
    put(await axonCheck(chain, settings, hotkey));
    if (snapshot === undefined) {
      put(skip('subnet', `subnet ${settings.netuid} does not exist`));
      return undefined;
    }
    const state = await checkSubnetState(snapshot, hotkey);
    put(state.check);
    return state.halted;
  } finally {
    await chain.close();
  }
}
