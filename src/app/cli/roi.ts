/** `roadwork roi`: what mining pays on the live chain (or in an offline plan) against the operator's costs. */
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { systemClock } from '../../core/clock/index.js';
import type { Settings } from '../../core/config/index.js';
import { RoadworkError } from '../../core/errors/index.js';
import type * as Economics from '../../lifecycle/economics/index.js';
import type { Costs, OfflineValues, RoiReport, SubnetInputs } from '../../lifecycle/economics/index.js';
import type { Signer } from '../../wire/wallet/index.js';
import { withChain, type ChainCommandDeps } from './chain.js';
import { addSettingOptions, settingsFrom } from './_settings.js';
import { numberFlag, numberListFlag, type NumberRule } from './_number-flag.js';
import { timeoutMs } from './_timeout.js';

type Opts = Record<string, unknown>;

// Economics and polkadot-js take seconds to load: import them when the action runs, so --help is instant.
function loadEconomics(): Promise<typeof Economics> {
  return import('../../lifecycle/economics/index.js');
}

/** A figure of the chain or a price: 0 or more. */
const AMOUNT: NumberRule = { min: 0, example: '0.5' };
/** A share of the incentive: 0 to 1. */
const FRACTION: NumberRule = { min: 0, max: 1, example: '0.05' };
/** A miner's rank by incentive: 1 for the top one. */
const RANK: NumberRule = { min: 1, integer: true, example: '10' };

function number(opts: Opts, flag: string, key: string, rule: NumberRule = AMOUNT): number | undefined {
  return opts[key] === undefined ? undefined : numberFlag(opts[key], `--${flag}`, rule);
}

function offlineValues(opts: Opts, netuid: number): OfflineValues {
  const needed = {
    'miner-alpha-per-block': number(opts, 'miner-alpha-per-block', 'minerAlphaPerBlock'),
    'alpha-price': number(opts, 'alpha-price', 'alphaPrice'),
    'block-seconds': number(opts, 'block-seconds', 'blockSeconds', { min: 0.001, example: '12' }),
    shares: typeof opts.shares === 'string' ? opts.shares : undefined,
  };
  const missing = Object.entries(needed).filter(([, v]) => v === undefined);
  if (missing.length > 0) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `roi --offline needs every chain figure by hand; missing: ${missing.map(([k]) => `--${k}`).join(', ')}. ` +
        'See roadwork roi --help and docs/economics.md.',
    );
  }
  const shares = numberListFlag(needed.shares, '--shares', { ...FRACTION, example: '0.3,0.2,0.1' });
  const ownerShare = number(opts, 'owner-share', 'ownerShare', FRACTION) ?? 0;
  // The miners' and the owner's shares split one incentive (rounding aside).
  const total = shares.reduce((a, b) => a + b, ownerShare);
  if (total > 1 + 1e-6)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `--shares and --owner-share add up to ${total.toFixed(4)}, more than the whole incentive (1). Give shares that sum to at most 1.`,
    );
  const optional = {
    burnTao: number(opts, 'burn', 'burn'),
    share: number(opts, 'share', 'share', FRACTION),
    rank: number(opts, 'rank', 'rank', RANK),
  };
  return {
    netuid,
    blockSeconds: needed['block-seconds'] as number,
    minerAlphaPerBlock: needed['miner-alpha-per-block'] as number,
    alphaPriceTao: needed['alpha-price'] as number,
    shares,
    ownerShare,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

async function costsFrom(s: Settings): Promise<Costs> {
  const base = { gpuUsdPerHour: s['roi.gpu_usd_per_hour'], otherUsdPerMonth: s['roi.other_usd_per_month'] };
  if (s['roi.tao_usd'] > 0) return { ...base, taoUsd: s['roi.tao_usd'], taoUsdSource: 'roi.tao_usd' };
  const url = s['roi.price_feed_url'];
  if (url === '') return { ...base, taoUsd: null, taoUsdSource: 'not given' };
  const { fetchTaoUsd } = await loadEconomics();
  return { ...base, taoUsd: await fetchTaoUsd(url, { path: s['roi.price_feed_path'] }), taoUsdSource: url };
}

async function hotkeyFor(opts: Opts, s: Settings, deps: RoiCommandDeps): Promise<string | undefined> {
  if (typeof opts.ss58 === 'string') return opts.ss58;
  if (opts.rank !== undefined) return undefined;
  try {
    return (await (deps.loadSigner ?? loadSigner)(s)).ss58;
  } catch {
    // No wallet is fine for planning: the scenarios still answer, and the output says how to add one.
    return undefined;
  }
}

async function loadSigner(settings: Settings): Promise<Signer> {
  return (await import('../miner/index.js')).loadSigner(settings);
}

async function chainInputs(opts: Opts, s: Settings, deps: RoiCommandDeps): Promise<SubnetInputs> {
  const sinceMs = (deps.clock ?? systemClock()).nowMs();
  const hotkey = await hotkeyFor(opts, s, deps);
  const rank = number(opts, 'rank', 'rank', RANK);
  const { readSubnetEconomics } = await import('../../wire/chain/index.js');
  const { fromChain } = await loadEconomics();
  const economics = await withChain(s, deps, { timeoutMs: timeoutMs(opts.timeout, 30), sinceMs }, (api) =>
    readSubnetEconomics(api, s.netuid),
  );
  const inputs = fromChain(economics, { ...(hotkey && { hotkey }), ...(rank !== undefined && { rank }) });
  if (hotkey !== undefined || rank !== undefined) return inputs;
  return {
    ...inputs,
    notes: [
      ...inputs.notes,
      'No hotkey priced: no wallet hotkey was found. Give --ss58 <address> or --rank <n>.',
    ],
  };
}

/** What `roi` takes from outside: the chain's transport and the wallet, replaced in tests. */
export type RoiCommandDeps = ChainCommandDeps;

/** Builds the `roi` command. */
export function roiCommand(env: Record<string, string | undefined>, deps: RoiCommandDeps = {}): Command {
  const out = deps.stdout ?? process.stdout;
  const command = new Command('roi')
    .description(
      'What mining pays: emission, alpha price and incentive from the chain against your GPU and other costs',
    )
    .option('--json', 'print the report as JSON')
    .option('--html <file>', 'also write a self-contained HTML report with the incentive chart')
    .option('--ss58 <address>', "price this hotkey's position (default: the wallet's hotkey)")
    .option('--rank <n>', 'price the position of the n-th miner by incentive instead of a hotkey')
    .option('--timeout <seconds>', 'seconds to wait for the node (default: 30)')
    .option('--offline', 'plan without the chain: every chain figure from the flags below')
    .option('--miner-alpha-per-block <alpha>', 'offline: alpha reaching the miners per block')
    .option('--alpha-price <tao>', 'offline: TAO per alpha')
    .option('--block-seconds <s>', 'offline: seconds per block')
    .option('--shares <list>', "offline: each miner UID's share of the incentive, e.g. 0.3,0.2,0.1")
    .option('--owner-share <fraction>', "offline: share of the incentive on the owner's UID (default: 0)")
    .option('--share <fraction>', 'offline: price this share as your own position')
    .option('--burn <tao>', 'offline: registration burn, TAO');
  addSettingOptions(command, ['netuid', 'subtensor.', 'wallet.', 'roi.']).action(async (opts: Opts) => {
    const s = settingsFrom(opts, env);
    const { estimateRoi, formatRoi, offlineInputs, renderRoiHtml } = await loadEconomics();
    const costs = await costsFrom(s);
    const inputs = opts.offline
      ? offlineInputs(offlineValues(opts, s.netuid))
      : await chainInputs(opts, s, deps);
    const report: RoiReport = estimateRoi(inputs, costs);
    if (typeof opts.html === 'string') await writeFile(opts.html, renderRoiHtml(report));
    if (opts.json) out.write(`${JSON.stringify(report, null, 2)}\n`);
    else out.write(formatRoi(report));
    if (typeof opts.html === 'string' && !opts.json) out.write(`HTML report written to ${opts.html}\n`);
  });
  return command;
}
