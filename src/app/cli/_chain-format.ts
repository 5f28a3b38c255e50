/** Text of the `roadwork chain` commands: the hotkey's status, a serve-axon plan, the metagraph table. */
import type { HotkeyStatus, Metagraph, ServeAxonPlan } from '../../wire/chain/index.js';

const num = (n: number): string => n.toLocaleString('en-US');
const fixed = (n: number, digits: number): string => n.toFixed(digits);

/** `5DkMmX…y1AQ`: enough of a hotkey to tell rows apart. */
export function shortHotkey(hotkey: string): string {
  return hotkey.length > 12 ? `${hotkey.slice(0, 6)}…${hotkey.slice(-4)}` : hotkey;
}

function row(label: string, value: string): string {
  return `  ${label.padEnd(18)} ${value}\n`;
}

/**
 * The operator's status report on a subnet that exists (the command refuses one that does not);
 * `wallet` names the wallet flags for the registration hint.
 */
export function formatStatus(s: HotkeyStatus, endpoint: string, wallet: string): string {
  let out = `Subnet ${s.netuid} on ${endpoint} at block ${num(s.block)}: ${num(s.subnetSize)} neurons\n`;
  const n = s.neuron;
  if (!n) {
    return (
      out +
      `Hotkey ${s.hotkey} is not registered on subnet ${s.netuid}.\n` +
      `Register it with: btcli subnet register --netuid ${s.netuid} ${wallet}\n` +
      'Registration is paid by the coldkey, which roadwork never touches.\n'
    );
  }
  out += `Hotkey ${s.hotkey}: registered, uid ${n.uid}${n.active ? '' : ' (inactive)'}\n`;
  out += row('stake', `${fixed(n.stake, 4)} α`);
  out += row('rank', fixed(n.rank, 5));
  out += row('trust', fixed(n.trust, 5));
  out += row('incentive', fixed(n.incentive, 5));
  out += row('emission', `${fixed(n.emission, 9)} α per tempo`);
  out += row('validator permit', n.validatorPermit ? 'yes' : 'no');
  out += row(
    'axon',
    n.axon
      ? `${n.axon.ip}:${n.axon.port}`
      : 'not served (publish it: roadwork chain serve-axon --ip IP --port PORT)',
  );
  out += row('last update', `block ${num(n.lastUpdate)} (${num(s.blocksSinceUpdate ?? 0)} blocks ago)`);
  return out;
}

/** The plan of a serve-axon: what the chain holds, what would be published, and the call itself. */
export function formatPlan(plan: ServeAxonPlan): string {
  const { axon, current } = plan;
  const registered = plan.uid === undefined ? 'not registered' : `uid ${plan.uid}`;
  const now = current
    ? `${current.ip}:${current.port} protocol ${current.protocol} version ${current.version} (served at block ${num(current.block)})`
    : 'nothing served';
  const args = plan.args.map((a) => `${a.name}=${a.value}`).join(', ');
  return (
    `serve_axon for hotkey ${plan.hotkey} on subnet ${axon.netuid} (${registered}), block ${num(plan.block)}\n` +
    row('chain holds', now) +
    row('will publish', `${axon.ip}:${axon.port} protocol ${axon.protocol} version ${axon.version}`) +
    row('call', `${plan.method}(${args})`) +
    row('call hex', plan.hex)
  );
}

/** A compact table of the metagraph, one neuron a line. */
export function formatMetagraph(mg: Metagraph): string {
  const permits = mg.neurons.filter((n) => n.validatorPermit).length;
  const serving = mg.neurons.filter((n) => n.axon).length;
  const lines = [
    `Subnet ${mg.netuid} at block ${num(mg.block)}: ${mg.neurons.length} neurons, ` +
      `${permits} with a validator permit, ${serving} serving an axon`,
    `${'uid'.padStart(5)}  ${'hotkey'.padEnd(11)}  ${'stake (α)'.padStart(14)}  permit  axon`,
  ];
  for (const n of mg.neurons) {
    lines.push(
      `${String(n.uid).padStart(5)}  ${shortHotkey(n.hotkey).padEnd(11)}  ${fixed(n.stake, 4).padStart(14)}  ` +
        `${(n.validatorPermit ? 'yes' : '').padEnd(6)}  ${n.axon ? `${n.axon.ip}:${n.axon.port}` : '-'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
