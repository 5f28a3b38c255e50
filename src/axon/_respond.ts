/** Writes answers the way a Bittensor axon does: the synapse headers echoed, plus the axon's status. */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { ERRORS, type ErrorCode } from '../errors/index.js';

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
  axon: { hotkey: string; ip?: string; port?: number },
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
