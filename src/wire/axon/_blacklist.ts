/** Step 2, blacklist: who may be answered, decided from the hotkey header and the metagraph alone. */
import type { ErrorCode } from '../../core/errors/index.js';
import type { Metagraph, Neuron } from '../chain/types.js';
import type { Refusal } from './_refusal.js';

/** Blacklist policy (from the `blacklist.*` settings). */
export interface BlacklistPolicy {
  readonly forceValidatorPermit: boolean;
  readonly allowNonRegistered: boolean;
  readonly minStake: number;
  readonly allow: ReadonlySet<string>;
  readonly deny: ReadonlySet<string>;
}

/** The verdict: the caller's neuron (if registered) or the reason to answer 403. */
export type BlacklistVerdict = { readonly ok: true; readonly neuron: Neuron | undefined } | Refusal;

/**
 * The blacklist step: without a metagraph nobody can be told apart (503 until it loads, unless
 * strangers are allowed anyway), then `checkBlacklist`. No crypto and no body for a refused caller.
 */
export function screenCaller(
  hotkey: string,
  metagraph: Metagraph | undefined,
  policy: BlacklistPolicy,
): BlacklistVerdict {
  if (metagraph === undefined && !policy.allowNonRegistered)
    return deny('ERR_METAGRAPH_UNAVAILABLE', 'Metagraph not loaded yet; retry shortly');
  return checkBlacklist(hotkey, metagraph, policy);
}

/**
 * Decides before the body is read. The allow list skips the metagraph checks but never the signature
 * check that follows; the deny list wins over everything.
 */
export function checkBlacklist(
  hotkey: string,
  metagraph: Metagraph | undefined,
  policy: BlacklistPolicy,
): BlacklistVerdict {
  if (hotkey === '') return deny('ERR_CALLER_UNKNOWN', 'Request has no dendrite hotkey: (empty)');
  if (policy.deny.has(hotkey)) return deny('ERR_CALLER_DENIED', `Caller is on the deny list: ${hotkey}`);
  const neuron = metagraph?.byHotkey.get(hotkey);
  if (policy.allow.has(hotkey)) return { ok: true, neuron };
  if (neuron === undefined) {
    if (policy.allowNonRegistered) return { ok: true, neuron };
    return deny('ERR_CALLER_UNKNOWN', `Caller is not registered on the subnet: ${hotkey}`);
  }
  if (policy.forceValidatorPermit && !neuron.validatorPermit) {
    return deny('ERR_CALLER_NO_PERMIT', `Caller has no validator permit: ${hotkey}`);
  }
  if (neuron.stake < policy.minStake) {
    return deny(
      'ERR_CALLER_LOW_STAKE',
      `Caller stake is below the minimum ${policy.minStake}: ${neuron.stake}`,
    );
  }
  return { ok: true, neuron };
}

function deny(code: ErrorCode, message: string): BlacklistVerdict {
  return { ok: false, code, message };
}
