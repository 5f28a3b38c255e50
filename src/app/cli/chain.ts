/** `roadwork chain`: the operator's chain commands (status, serve-axon, metagraph); never the coldkey. */
import type { ApiPromise } from '@polkadot/api';
import { Command } from 'commander';
import type * as ChainLib from '../../wire/chain/index.js';
import type { ProviderFactory } from '../../wire/chain/index.js';
import { systemClock, withTimeout, type Clock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError, isRoadworkError } from '../../core/errors/index.js';
import { routeConsole, silentLogger } from '../../core/log/index.js';
import type { Signer } from '../../wire/wallet/index.js';
import { formatMetagraph, formatPlan, formatStatus } from './_chain-format.js';
import { numberFlag } from './_number-flag.js';
import { timeoutMs } from './_timeout.js';
import { addSettingOptions, settingsFrom, type SettingsUsed } from './_settings.js';

/** What the chain commands take from outside; tests replay a recorded chain through `providerFactory`. */
export interface ChainCommandDeps {
  /** The transport for an endpoint; default a reconnecting websocket. */
  readonly providerFactory?: ProviderFactory;
  /** Loads the hotkey from the settings; default the wallet file or `wallet.secret`. */
  readonly loadSigner?: (settings: Settings) => Promise<Signer> | Signer;
  /** Where results go; default `process.stdout`. */
  readonly stdout?: { write(text: string): unknown };
  /** Stamps a fetched metagraph and times the wait for the node; default the system clock. */
  readonly clock?: Clock;
}

type Opts = Record<string, unknown>;

function walletFlags(s: Settings): string {
  return `--wallet.name ${s['wallet.name']} --wallet.hotkey ${s['wallet.hotkey']}`;
}

/** How long a chain command waits for its node. */
export interface ChainWait {
  /** `--timeout`, in ms. */
  readonly timeoutMs: number;
  /**
   * When the wait began, on `deps.clock`; default when `withChain` is called. A command passes the start
   * of its action, so that loading the wallet and polkadot-js spends the timeout too.
   */
  readonly sinceMs?: number;
  /**
   * Whether the work after connecting must end within it too; default true. serve-axon: false, it
   * bounds only its reads (with the `within` that `work` is given) and waits for inclusion longer.
   */
  readonly reads?: boolean;
}

/** Bounds a promise by what is left of a chain command's `--timeout`. */
export type Within = <T>(job: Promise<T>) => Promise<T>;

/**
 * Connects to the settings' node, runs `work`, disconnects; all within `wait` (a clear
 * `ERR_CHAIN_UNREACHABLE` when the node does not answer in time).
 */
export async function withChain<T>(
  settings: Settings,
  deps: ChainCommandDeps,
  wait: ChainWait,
  work: (api: ApiPromise, endpoint: string, within: Within) => Promise<T>,
): Promise<T> {
  const clock = deps.clock ?? systemClock();
  const endMs = (wait.sinceMs ?? clock.nowMs()) + wait.timeoutMs;
  const leftMs = (): number => Math.max(0, endMs - clock.nowMs());
  const seconds = wait.timeoutMs / 1000;
  const { connectChain, resolveEndpoint } = await loadChain();
  const endpoint = resolveEndpoint(settings['subtensor.chain_endpoint'] || settings['subtensor.network']);
  // polkadot-js prints every failed reconnect to the console, between this command's own lines; the
  // error below already names the last one.
  const restoreConsole = routeConsole(silentLogger());
  let api: ApiPromise;
  try {
    api = await connectChain(endpoint, { timeoutMs: leftMs(), providerFactory: deps.providerFactory });
  } catch (err) {
    restoreConsole();
    if (!isRoadworkError(err, 'ERR_CHAIN_UNREACHABLE')) throw err;
    const last = /\(last error: (.*)\)/.exec(err.message)?.[1];
    throw new RoadworkError(
      'ERR_CHAIN_UNREACHABLE',
      `Cannot reach the subtensor node within ${seconds} s: ${endpoint}` +
        `${last ? ` (last error: ${last})` : ''}. Check the network, ` +
        'try another node with --subtensor.chain_endpoint wss://HOST:PORT (or a local one: ' +
        '--subtensor.network local), or wait longer with --timeout.',
      { cause: err },
    );
  }
  const within: Within = (job) =>
    withTimeout(
      job,
      leftMs(),
      () =>
        new RoadworkError(
          'ERR_CHAIN_UNREACHABLE',
          `The subtensor node stopped answering: nothing more within ${seconds} s from ${endpoint}. ` +
            'Try another node with --subtensor.chain_endpoint wss://HOST:PORT, or wait longer with --timeout.',
        ),
    );
  try {
    const job = work(api, endpoint, within);
    return await (wait.reads === false ? job : within(job));
  } catch (err) {
    if (isRoadworkError(err)) throw err;
    // polkadot-js's RpcError and the like: the node answered, with an error.
    throw new RoadworkError(
      'ERR_CHAIN_RPC',
      `The subtensor node ${endpoint} answered with an error: ${(err as Error)?.message ?? String(err)}. ` +
        'Try another node with --subtensor.chain_endpoint wss://HOST:PORT (an archive node for old blocks).',
      { cause: err },
    );
  } finally {
    // Disconnecting also fails the reads a timeout left in flight.
    await api.disconnect().catch(() => undefined);
    restoreConsole();
  }
}

// What every chain command reads: the subnet and the node to ask.
const CHAIN: SettingsUsed = ['netuid', 'subtensor.'];
const SERVE_AXON: SettingsUsed = [...CHAIN, 'wallet.', 'axon.port', 'axon.external_ip', 'axon.external_port'];

// Flags of the subcommand first, then the shared timeout and its settings, so --help reads top-down.
function withSettings(command: Command, uses: SettingsUsed): Command {
  command.option(
    '--timeout <seconds>',
    "seconds to wait for the node, from the command's start (default: 30), and for inclusion (default: 60)",
  );
  return addSettingOptions(command, uses);
}

// polkadot-js and the composition root take seconds to load: import them when an action runs, so
// `--help` answers at once.
function loadChain(): Promise<typeof ChainLib> {
  return import('../../wire/chain/index.js');
}

async function loadSigner(settings: Settings): Promise<Signer> {
  return (await import('../miner/index.js')).loadSigner(settings);
}

/** Builds the `chain` command group. */
export function chainCommand(env: Record<string, string | undefined>, deps: ChainCommandDeps = {}): Command {
  const out = deps.stdout ?? process.stdout;
  const signerOf = deps.loadSigner ?? loadSigner;
  const clock = deps.clock ?? systemClock();

  const status = new Command('status')
    .description("Show the hotkey's registration on the subnet: uid, stake, scores, axon")
    .option('--json', 'print JSON')
    .option('--ss58 <address>', "check this hotkey address instead of the wallet's");
  withSettings(status, [...CHAIN, 'wallet.']).action(async (opts: Opts) => {
    const sinceMs = clock.nowMs();
    const s = settingsFrom(opts, env);
    const hotkey = typeof opts.ss58 === 'string' ? opts.ss58 : (await signerOf(s)).ss58;
    const { checkHotkey, hotkeyStatus, noSubnetError } = await loadChain();
    checkHotkey(hotkey); // a typo fails now, not after connecting
    await withChain(s, deps, { timeoutMs: timeoutMs(opts.timeout, 30), sinceMs }, async (api, endpoint) => {
      const report = await hotkeyStatus(api, s.netuid, hotkey);
      // A script's `chain status && start` must not go on with a netuid that names nothing.
      if (!report.subnetExists) throw noSubnetError(s.netuid, `${endpoint} at block ${report.block}`);
      if (opts.json) {
        out.write(
          `${JSON.stringify({ endpoint, registered: report.neuron !== undefined, ...report }, null, 2)}\n`,
        );
      } else out.write(formatStatus(report, endpoint, walletFlags(s)));
    });
  });

  const serve = new Command('serve-axon')
    .description("Publish the axon's public ip and port on chain, signed by the hotkey")
    .option('--ip <address>', 'public IPv4 or IPv6 address (default: axon.external_ip)')
    .option('--port <port>', 'public port (default: axon.external_port, else axon.port)')
    .option('--dry-run', 'print the call and its bytes; sign and send nothing');
  withSettings(serve, SERVE_AXON).action(async (opts: Opts) => {
    const sinceMs = clock.nowMs();
    const s = settingsFrom(opts, env);
    const ip = typeof opts.ip === 'string' ? opts.ip : s['axon.external_ip'];
    if (ip === '') {
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        'No public ip to publish: "". Give --ip or set axon.external_ip to the address validators dial.',
      );
    }
    const port =
      opts.port === undefined
        ? s['axon.external_port'] || s['axon.port']
        : numberFlag(opts.port, '--port', { min: 1, max: 65535, integer: true, example: '8091' });
    const signer = await signerOf(s);
    const { announceAxon } = await loadChain();
    const wait = { timeoutMs: timeoutMs(opts.timeout, 30), sinceMs, reads: false };
    await withChain(s, deps, wait, async (api, _endpoint, within) => {
      const done = await announceAxon(api, signer, {
        netuid: s.netuid,
        ip,
        port,
        boundReads: within,
        timeoutMs: timeoutMs(opts.timeout, 60),
        dryRun: opts.dryRun === true,
        onPlan: (plan) => {
          out.write(formatPlan(plan));
          if (!plan.unchanged && plan.uid !== undefined && !opts.dryRun) {
            out.write('Signing with the hotkey and submitting...\n');
          }
        },
      });
      if (opts.dryRun) {
        const note =
          done.outcome === 'unchanged'
            ? ' The chain already holds this axon: a real run would skip.'
            : done.outcome === 'not-registered'
              ? ' The hotkey is not registered: a real run would stop here.'
              : '';
        out.write(`Dry run: nothing was signed or sent.${note}\n`);
        return;
      }
      if (done.outcome === 'unchanged') {
        out.write(`Skipped: the chain already holds ${ip}:${port} for this hotkey; nothing to send.\n`);
      } else if (done.outcome === 'not-registered') {
        throw new RoadworkError(
          'ERR_HOTKEY_NOT_REGISTERED',
          `The hotkey is not registered on subnet ${s.netuid}: ${signer.ss58}. Register it first: ` +
            `btcli subnet register --netuid ${s.netuid} ${walletFlags(s)} (the coldkey pays; roadwork never touches it).`,
        );
      } else if (done.outcome === 'published') {
        out.write(
          `Included in block ${done.inclusion.blockHash} (tx ${done.inclusion.txHash}). ` +
            'Validators see the axon at their next metagraph sync.\n',
        );
      }
    });
  });

  const metagraph = new Command('metagraph')
    .description("Fetch the subnet's metagraph: a table, JSON, or a file for --metagraph.file")
    .option('--out <file>', 'write the static metagraph file format there')
    .option('--json', 'print the static metagraph file format');
  withSettings(metagraph, CHAIN).action(async (opts: Opts) => {
    const sinceMs = clock.nowMs();
    const s = settingsFrom(opts, env);
    const {
      buildMetagraph,
      fetchNeurons,
      formatMetagraphFile,
      noSubnetError,
      subnetExists,
      writeMetagraphFile,
    } = await loadChain();
    await withChain(s, deps, { timeoutMs: timeoutMs(opts.timeout, 30), sinceMs }, async (api, endpoint) => {
      const { block, neurons } = await fetchNeurons(api, s.netuid);
      // A netuid the chain does not hold reads as no neurons: never print or write that as a metagraph
      // (served from --metagraph.file, it would refuse every validator).
      if (neurons.length === 0 && !(await subnetExists(api, s.netuid)))
        throw noSubnetError(s.netuid, `${endpoint} at block ${block}`);
      const mg = buildMetagraph(s.netuid, block, neurons, clock.nowMs());
      if (typeof opts.out === 'string') {
        await writeMetagraphFile(opts.out, mg);
        out.write(
          `Wrote ${neurons.length} neurons of subnet ${s.netuid} at block ${block} to ${opts.out}. ` +
            `Serve from it with --metagraph.file ${opts.out}\n`,
        );
      } else if (opts.json) out.write(formatMetagraphFile(mg));
      else out.write(formatMetagraph(mg));
    });
  });

  return new Command('chain')
    .description('Chain commands for the miner hotkey: status, serve-axon, metagraph (never the coldkey)')
    .addCommand(status)
    .addCommand(serve)
    .addCommand(metagraph);
}
