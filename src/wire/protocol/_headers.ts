// Parses the Bittensor synapse headers into a typed object, never throwing on hostile input.
import type { ErrorCode } from '../../core/errors/index.js';

/** The Bittensor headers of one synapse request, parsed. */
export interface SynapseHeaders {
  readonly name: string;
  /** Seconds the caller waits (`timeout` header, a Python float). */
  readonly timeout: number;
  readonly computed_body_hash: string;
  readonly axon: { readonly ip?: string; readonly port?: number; readonly hotkey?: string };
  readonly dendrite: {
    readonly ip?: string;
    /** Bittensor `version_as_int` of the caller; undefined when absent (old dendrites). */
    readonly version: number | undefined;
    /** Nanoseconds since the epoch; above 2^53, hence a bigint. */
    readonly nonce: bigint;
    readonly uuid: string;
    readonly hotkey: string;
    /** As sent; empty when the header is absent (verification rejects it). */
    readonly signature: string;
  };
}

/** A header parse failure, with the catalogue code and the HTTP status (always 400). */
export interface HeaderFailure {
  readonly ok: false;
  readonly status: 400;
  readonly code: ErrorCode;
  readonly message: string;
}

/** Outcome of `parseSynapseHeaders`. */
export type ParseHeadersResult = { readonly ok: true; readonly headers: SynapseHeaders } | HeaderFailure;

/** Longest header value accepted; real values are at most ~130 characters (the signature). */
export const MAX_HEADER_VALUE = 512;

/** The headers an axon reads from a synapse request (`bt_header_*` and the synapse's own). */
export const SYNAPSE_HEADERS: readonly string[] = Object.freeze([
  'name',
  'timeout',
  'computed_body_hash',
  'bt_header_axon_ip',
  'bt_header_axon_port',
  'bt_header_axon_hotkey',
  'bt_header_dendrite_ip',
  'bt_header_dendrite_version',
  'bt_header_dendrite_nonce',
  'bt_header_dendrite_uuid',
  'bt_header_dendrite_hotkey',
  'bt_header_dendrite_signature',
]);
const WANTED = new Set(SYNAPSE_HEADERS);

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
// Python float() accepts more, but every dendrite sends str(float) such as "9.0" or "12".
const FLOAT_RE = /^\d{1,10}(\.\d{1,12})?$/;
const NONCE_RE = /^\d{1,20}$/;
const INT_RE = /^\d{1,10}$/;
const PRINTABLE_RE = /^[\x20-\x7e]*$/;

function fail(code: ErrorCode, message: string): HeaderFailure {
  return { ok: false, status: 400, code, message };
}

function show(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

// Lower-cases the names we care about; duplicates and arrays are ambiguous, so they are rejected.
function collect(raw: Record<string, string | string[] | undefined>): Map<string, string> | HeaderFailure {
  const out = new Map<string, string>();
  for (const key of Object.keys(raw)) {
    const lower = key.toLowerCase();
    if (!WANTED.has(lower)) continue;
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      return fail('ERR_HEADER_INVALID', `Header ${lower} has several values: send it once.`);
    }
    if (out.has(lower)) return fail('ERR_HEADER_INVALID', `Header ${lower} is repeated: send it once.`);
    if (value.length > MAX_HEADER_VALUE || !PRINTABLE_RE.test(value)) {
      return fail(
        'ERR_HEADER_INVALID',
        `Header ${lower} is too long or not printable ASCII: ${value.length} characters. Send a Bittensor value.`,
      );
    }
    out.set(lower, value.trim());
  }
  return out;
}

function required(h: Map<string, string>, key: string): string | HeaderFailure {
  const value = h.get(key);
  if (value === undefined || value === '') {
    return fail('ERR_HEADER_MISSING', `Header ${key} is missing: send it as a Bittensor dendrite does.`);
  }
  return value;
}

function optionalInt(h: Map<string, string>, key: string, max: number): number | undefined | HeaderFailure {
  const value = h.get(key);
  if (value === undefined || value === '') return undefined;
  if (!INT_RE.test(value) || Number(value) > max) {
    return fail('ERR_HEADER_INVALID', `Header ${key} is not an integer in [0, ${max}]: ${show(value)}.`);
  }
  return Number(value);
}

function isFailure(v: unknown): v is HeaderFailure {
  return typeof v === 'object' && v !== null && (v as { ok?: unknown }).ok === false;
}

/**
 * Parses Bittensor synapse headers (names in any case); `synapse` (the path's name) stands in for an
 * absent `name` header. Returns a coded 400 failure for missing or malformed
 * values (ERR_HEADER_MISSING, ERR_HEADER_INVALID, ERR_NONCE_INVALID); never throws.
 */
export function parseSynapseHeaders(
  headers: Record<string, string | string[] | undefined>,
  options: { readonly synapse?: string } = {},
): ParseHeadersResult {
  try {
    return parse(headers, options.synapse);
  } catch (err) {
    return fail('ERR_HEADER_INVALID', `Headers could not be read: ${String(err)}.`);
  }
}

function parse(raw: Record<string, string | string[] | undefined>, synapse?: string): ParseHeadersResult {
  const h = collect(raw);
  if (isFailure(h)) return h;
  // Bittensor's axon names the synapse by the request path; a dendrite that omits `name` still verifies.
  if (synapse !== undefined && (h.get('name') ?? '') === '') h.set('name', synapse);
  const name = required(h, 'name');
  if (isFailure(name)) return name;
  if (!NAME_RE.test(name))
    return fail('ERR_HEADER_INVALID', `Header name is not a synapse class name: ${show(name)}.`);
  const timeoutText = required(h, 'timeout');
  if (isFailure(timeoutText)) return timeoutText;
  if (!FLOAT_RE.test(timeoutText)) {
    return fail('ERR_HEADER_INVALID', `Header timeout is not a number of seconds: ${show(timeoutText)}.`);
  }
  const bodyHash = required(h, 'computed_body_hash');
  if (isFailure(bodyHash)) return bodyHash;
  const nonceText = required(h, 'bt_header_dendrite_nonce');
  if (isFailure(nonceText)) return nonceText;
  if (!NONCE_RE.test(nonceText)) {
    return fail(
      'ERR_NONCE_INVALID',
      `Header bt_header_dendrite_nonce is not a decimal integer of nanoseconds: ${show(nonceText)}.`,
    );
  }
  const uuid = required(h, 'bt_header_dendrite_uuid');
  if (isFailure(uuid)) return uuid;
  const hotkey = required(h, 'bt_header_dendrite_hotkey');
  if (isFailure(hotkey)) return hotkey;
  const version = optionalInt(h, 'bt_header_dendrite_version', 2 ** 31 - 1);
  if (isFailure(version)) return version;
  const port = optionalInt(h, 'bt_header_axon_port', 65535);
  if (isFailure(port)) return port;
  return {
    ok: true,
    headers: {
      name,
      timeout: Number(timeoutText),
      computed_body_hash: bodyHash,
      axon: { ip: h.get('bt_header_axon_ip'), port, hotkey: h.get('bt_header_axon_hotkey') },
      dendrite: {
        ip: h.get('bt_header_dendrite_ip'),
        version,
        nonce: BigInt(nonceText),
        uuid,
        hotkey,
        signature: h.get('bt_header_dendrite_signature') ?? '',
      },
    },
  };
}
