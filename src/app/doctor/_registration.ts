/** Check 2: the hotkey holds a uid on the subnet: uid, stake, and how much immunity is left. */
import { blocksToWords, result, type CheckResult } from './_types.js';
import type { SubnetSnapshot } from './_subnet.js';

/** Immunity left in blocks (negative: ended that long ago), or undefined when the chain did not say. */
export function immunityLeft(snapshot: SubnetSnapshot, registeredAt: number | undefined): number | undefined {
  if (snapshot.immunityPeriod === undefined || registeredAt === undefined) return undefined;
  return registeredAt + snapshot.immunityPeriod - snapshot.block;
}

function immunityWords(snapshot: SubnetSnapshot, registeredAt: number | undefined): string {
  const left = immunityLeft(snapshot, registeredAt);
  if (left === undefined) {
    const missing = [
      snapshot.immunityPeriod === undefined ? 'ImmunityPeriod' : '',
      registeredAt === undefined ? 'BlockAtRegistration' : '',
    ].filter(Boolean);
    return `immunity unknown: the node did not return ${missing.join(' or ')}`;
  }
  if (left > 0) {
    return `in immunity for ${left.toLocaleString('en-US')} more blocks (${blocksToWords(left)}) of ${snapshot.immunityPeriod}`;
  }
  return `immunity (${snapshot.immunityPeriod} blocks) ended ${(-left).toLocaleString('en-US')} blocks ago: deregistration can take the uid when its pruning score is the lowest`;
}

/** `registerHint` is the btcli command that would register the hotkey. */
export async function checkRegistration(
  snapshot: SubnetSnapshot | undefined,
  hotkey: string,
  options: { netuid: number; registerHint: string },
): Promise<CheckResult> {
  if (snapshot === undefined) {
    return result('registration', 'fail', `Subnet ${options.netuid} does not exist on this chain.`, {
      fix: 'Check --netuid (72 on finney, 323 on test) and --subtensor.network.',
    });
  }
  const neuron = snapshot.neurons.find((n) => n.hotkey === hotkey);
  if (neuron === undefined) {
    return result(
      'registration',
      'fail',
      `Hotkey ${hotkey} is not registered on subnet ${snapshot.netuid} (${snapshot.neurons.length} uids at block ${snapshot.block}).`,
      { fix: `Register it: ${options.registerHint} (the coldkey pays; roadwork never touches it).` },
    );
  }
  const left = immunityLeft(snapshot, neuron.registeredAt);
  const stake = neuron.stake === undefined ? 'stake unknown' : `stake ${neuron.stake.toFixed(4)} α`;
  const at = neuron.registeredAt === undefined ? '' : `, registered at block ${neuron.registeredAt}`;
  return result(
    'registration',
    'ok',
    `uid ${neuron.uid} on subnet ${snapshot.netuid}, ${stake}${at}; ${immunityWords(snapshot, neuron.registeredAt)}.`,
    {
      data: {
        uid: neuron.uid,
        stake: neuron.stake,
        registeredAt: neuron.registeredAt,
        immunityPeriod: snapshot.immunityPeriod,
        immunityLeftBlocks: left,
        block: snapshot.block,
      },
    },
  );
}
