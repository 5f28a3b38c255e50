/** Step 3, parse and verify: the synapse headers parsed, the signature and nonce checked, the deadline set. */
import type { Clock } from '../../core/clock/index.js';
import type { ErrorCode } from '../../core/errors/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import {
  parseSynapseHeaders,
  verifyParsedRequest,
  type HotkeyCache,
  type NonceStore,
} from '../protocol/index.js';
import type { Refusal } from './_refusal.js';
import type { SynapseName } from './_route.js';

// Python dendrites send timeout 12 by default and validators 9; anything past a minute is not a validator.
const MAX_TIMEOUT_S = 60;
const DEFAULT_TIMEOUT_S = 12;
// Distinct `version` label values before the rest count as `other`.
const MAX_VERSION_LABELS = 32;

/** Which validator release line a `bt_header_dendrite_version` belongs to. */
export type Generation = '2.x' | '0.4.x' | 'other' | 'unknown';

/** What the verify step needs; built once per axon. */
export interface VerifyStepDeps {
  /** The axon's own ss58 hotkey (the signed message names it). */
  readonly axonHotkey: string;
  readonly clock: Clock;
  readonly nonces: NonceStore;
  readonly keys: HotkeyCache;
  /** Kept back from the caller's `timeout` to answer in time, ms. */
  readonly deadlineMarginMs: number;
  readonly metrics: Pick<Metrics, 'overheadSeconds' | 'validatorRequests'>;
  /** Bounds the `version` label; one per axon. */
  readonly versions: VersionLabels;
}

/** A request whose signature verified: who sent it, with which dendrite, and when its answer is due. */
export interface Verified {
  readonly ok: true;
  /** The caller's ss58 hotkey, now proven. */
  readonly caller: string;
  /** `bt_header_dendrite_version`, undefined when absent. */
  readonly version: number | undefined;
  readonly generation: Generation;
  /** Absolute deadline, ms since epoch: `now + timeout − margin`. */
  readonly deadlineMs: number;
  /** Time spent parsing and verifying, ms. */
  readonly verifyMs: number;
}

/**
 * Checks a request's headers (`headers` as Node's `headersDistinct`, so a repeated header stays
 * several values and is refused): the `name` header must match the path, then Bittensor's header
 * syntax, body hash, signature and nonce rules. Counts verified requests by dendrite version.
 */
export function verifyRequest(
  synapse: SynapseName,
  headers: Readonly<Record<string, string | string[]>>,
  deps: VerifyStepDeps,
): Verified | Refusal {
  const named = text(headers.name);
  if (named !== '' && named !== synapse)
    return refuse('ERR_SYNAPSE_NAME_MISMATCH', `Header name does not match the path: ${named.slice(0, 64)}`);
  const t = performance.now();
  const parsed = parseSynapseHeaders(headers, { synapse });
  if (!parsed.ok) return refuse(parsed.code, parsed.message);
  const verified = verifyParsedRequest(parsed.headers, deps);
  const verifyMs = performance.now() - t;
  const hotkey = deps.axonHotkey;
  deps.metrics.overheadSeconds.observe({ hotkey, phase: 'verify' }, verifyMs / 1000);
  if (!verified.ok) return refuse(verified.code as ErrorCode, verified.message);
  const version = parsed.headers.dendrite.version;
  const generation = generationOf(version);
  deps.metrics.validatorRequests.inc({ hotkey, version: deps.versions.label(version), generation });
  const timeoutS = Math.min(parsed.headers.timeout || DEFAULT_TIMEOUT_S, MAX_TIMEOUT_S);
  return {
    ok: true,
    caller: verified.caller,
    version,
    generation,
    deadlineMs: deps.clock.nowMs() + timeoutS * 1000 - deps.deadlineMarginMs,
    verifyMs,
  };
}

/** Label values for dendrite versions, bounded even if a registered caller invents versions. */
export class VersionLabels {
  readonly #seen = new Set<string>();

  /** The version as a label, or `other` once `MAX_VERSION_LABELS` distinct values were seen. */
  label(version: number | undefined): string {
    const v = String(version ?? 'none');
    if (this.#seen.has(v)) return v;
    if (this.#seen.size >= MAX_VERSION_LABELS) return 'other';
    this.#seen.add(v);
    return v;
  }
}

/** Validators of protocol 2.x send 2004 (2.0.4); the 0.4.x line restarted its numbering (0.4.2 sends 42). */
export function generationOf(version: number | undefined): Generation {
  if (version === undefined) return 'unknown';
  if (version >= 2000 && version < 3000) return '2.x';
  if (version < 1000) return '0.4.x';
  return 'other';
}

/** A header's text as Node's `req.headers` gives it: repeated values joined with ", ". */
export function text(value: string | readonly string[] | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : value.join(', ');
}

function refuse(code: ErrorCode, message: string): Refusal {
  return { ok: false, code, message };
}
