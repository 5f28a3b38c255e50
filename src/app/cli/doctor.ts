/** `roadwork doctor`: runs the operator's checks, prints ✓/!/✗/– lines or JSON, exits 1 on any ✗. */
import { Command } from 'commander';
import { loadSigner } from '../miner/index.js';
import type { ProviderFactory } from '../../wire/chain/index.js';
import type { Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { formatReport, runDoctor, type HostProbe } from '../doctor/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import type { Signer } from '../../wire/wallet/index.js';
import { timeoutMs } from './_timeout.js';
import { addSettingOptions, settingsFrom } from './_settings.js';
import { routeConsole, silentLogger } from '../../core/log/index.js';

/** What the doctor takes from outside; tests replay a recorded chain through `providerFactory`. */
export interface DoctorCommandDeps {
  readonly providerFactory?: ProviderFactory;
  readonly loadSigner?: (settings: Settings) => Promise<Signer> | Signer;
  readonly stdout?: { write(text: string): unknown };
  readonly clock?: Clock;
  readonly host?: HostProbe;
  /** Receives the exit code; default sets `process.exitCode`. */
  readonly setExitCode?: (code: number) => void;
}

function httpUrl(flag: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (!/^https?:\/\/[^/]+/.test(text)) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `${flag} is not an http URL: "${text}". Give e.g. ${flag} http://127.0.0.1:8091.`,
    );
  }
  return text;
}

/** Builds the `doctor` command. */
export function doctorCommand(
  env: Record<string, string | undefined>,
  deps: DoctorCommandDeps = {},
): Command {
  const command = new Command('doctor')
    .description('Check wallet, registration, axon, validator traffic, subnet state, model and host')
    .option('--json', 'print the report as JSON')
    .option('--offline', 'skip the chain checks (no node is contacted)')
    .option('--axon <url>', 'the running axon (default: http://127.0.0.1:<axon.port>)')
    .option('--metrics-url <url>', "the running miner's metrics (default: <axon>/metrics)")
    .option('--timeout <seconds>', 'seconds to wait for the subtensor node (default: 30)');
  addSettingOptions(command, ['*']).action(async (opts: Record<string, unknown>) => {
    const settings = settingsFrom(opts, env);
    // polkadot-js prints every failed reconnect to the console; the chain line already says why.
    const restoreConsole = routeConsole(silentLogger());
    const report = await runDoctor(
      settings,
      {
        loadSigner: deps.loadSigner ?? loadSigner,
        providerFactory: deps.providerFactory,
        clock: deps.clock,
        host: deps.host,
      },
      {
        offline: opts.offline === true,
        axonUrl: httpUrl('--axon', opts.axon),
        metricsUrl: httpUrl('--metrics-url', opts.metricsUrl),
        chainTimeoutMs: timeoutMs(opts.timeout),
      },
    ).finally(restoreConsole);
    const out = deps.stdout ?? process.stdout;
    out.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    (deps.setExitCode ?? ((code: number) => (process.exitCode = code)))(report.ok ? 0 : 1);
  });
  return command;
}
