/** Step 8, respond: answers shaped the way a Bittensor axon shapes them (the synapse headers echoed, plus the axon's status), then written. */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode } from '../../core/errors/index.js';
import type { SynapseName } from './_route.js';

/** A response ready to write: status, JSON body, headers, and whether to close the connection after it. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
  readonly close: boolean;
}

/** Who this axon is, as the `bt_header_axon_*` answer headers name it. */
export interface AxonInfo {
  readonly hotkey: string;
  readonly ip?: string | undefined;
  readonly port?: number | undefined;
}

/**
 * The 200 answer: the forwarded fields with the axon terminal's status set (and `model_url` for
 * `ExtendedImageSynapse`), the received synapse headers echoed, `processSeconds` in both.
 */
export function answerReply(
  synapse: SynapseName,
  fields: Readonly<Record<string, unknown>>,
  received: IncomingHttpHeaders,
  processSeconds: number,
  options: { readonly axon: AxonInfo; readonly modelUrl?: string | undefined },
): Reply {
  const axon = {
    ...(asObject(fields.axon) ?? {}),
    status_code: 200,
    status_message: 'Success',
    process_time: processSeconds,
  };
  const extra = synapse === 'ExtendedImageSynapse' ? { model_url: options.modelUrl ?? '' } : {};
  return {
    status: 200,
    body: { ...fields, ...extra, axon },
    headers: synapseHeaders(received, 200, 'Success', processSeconds, options.axon),
    close: false,
  };
}

/**
 * A refusal: the code's status, `{message, code}`, the synapse headers echoed. `close` asks to close the
 * connection, as for a body that was never read (cheaper than draining it).
 */
export function refusalReply(
  code: ErrorCode,
  message: string,
  received: IncomingHttpHeaders,
  processSeconds: number,
  options: { readonly axon: AxonInfo; readonly close: boolean },
): Reply {
  const status = statusOf(code);
  return {
    status,
    body: errorBody(code, message),
    headers: synapseHeaders(received, status, message, processSeconds, options.axon),
    close: options.close,
  };
}

/** Writes a reply (nothing when the response was already sent or the socket is gone). */
export function send(res: ServerResponse, reply: Reply): void {
  sendJson(res, reply.status, reply.body, reply.headers, reply.close);
}

// Headers a Python axon sends back (`Synapse.to_headers()`); anything else the caller sent is not echoed.
const ECHOED =
  /^(?:name|timeout|header_size|total_size|computed_body_hash|bt_header_(?:axon|dendrite)_[a-z_]+)$/;
const OWN = new Set([
  'bt_header_axon_status_code',
  'bt_header_axon_status_message',
  'bt_header_axon_process_time',
]);

/** Synapse headers to echo back, with the axon's own status fields set. */
export function synapseHeaders(
  received: IncomingHttpHeaders,
  status: number,
  message: string,
  processSeconds: number,
  axon: AxonInfo,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(received)) {
    if (typeof v === 'string' && v.length <= 512 && ECHOED.test(k) && !OWN.has(k)) out[k] = v;
  }
  out.bt_header_axon_hotkey = axon.hotkey;
  if (axon.ip !== undefined) out.bt_header_axon_ip = axon.ip;
  if (axon.port !== undefined) out.bt_header_axon_port = String(axon.port);
  out.bt_header_axon_status_code = String(status);
  out.bt_header_axon_status_message = headerSafe(message);
  out.bt_header_axon_process_time = String(processSeconds);
  return out;
}

/** Sends a JSON body with the given status and headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  close = false,
): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(close ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** The JSON error body: Bittensor's `{message}` plus our stable `code`. */
export function errorBody(code: ErrorCode, message: string): { message: string; code: ErrorCode } {
  return { message, code };
}

/** HTTP status of a code (500 for codes that are not caller-facing). */
export function statusOf(code: ErrorCode): number {
  return ERRORS[code].status ?? 500;
}

// Header values must be Latin-1 without control characters, or Node throws.
function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 256);
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
