// What a Python Bittensor dendrite puts on the wire (headers and JSON body), and how it reads the answer.
import type { PyKind } from './_python.js';
import { pyFloatRepr, pyJsonDumps } from './_python.js';
import { computeBodyHash, synapseSpec } from './_synapses.js';

/** A synapse to send: its class name (the URL path) and its own fields. */
export interface SynapseCall {
  readonly name: string;
  readonly fields?: Record<string, unknown>;
}

/** Who signs and from where; the per-call values (nonce, timeout) come separately. */
export interface WireContext {
  readonly hotkey: string;
  readonly sign: (message: string) => Uint8Array;
  readonly uuid: string;
  readonly version: number;
  readonly externalIp: string;
}

/** The axon being called, as the headers name it. */
export interface WireTarget {
  readonly ip: string;
  readonly port: number;
  readonly hotkey: string;
}

/** A request ready to send: headers in Python's `to_headers()` order and the `json.dumps` body. */
export interface WireRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const TERMINAL_KEYS = [
  'status_code',
  'status_message',
  'process_time',
  'ip',
  'port',
  'version',
  'nonce',
  'uuid',
  'hotkey',
  'signature',
] as const;

function terminal(values: Partial<Record<(typeof TERMINAL_KEYS)[number], unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of TERMINAL_KEYS) out[key] = values[key] ?? null;
  return out;
}

// CPython 3.10 sys.getsizeof of a str-keyed dict by entry count (a dict resizes at 6, 11, 22, 43 entries).
function pyDictSize(entries: number): number {
  if (entries === 0) return 64;
  if (entries <= 5) return 232;
  if (entries <= 10) return 360;
  if (entries <= 21) return 640;
  if (entries <= 42) return 1176;
  return 2272;
}

function pyValueSize(value: unknown, kind: PyKind = 'any'): number {
  if (value === null || value === undefined) return 16;
  if (typeof value === 'string') return 49 + Buffer.byteLength(value);
  if (typeof value === 'boolean') return 28;
  if (typeof value === 'bigint') return value < 2n ** 30n ? 28 : value < 2n ** 60n ? 32 : 36;
  if (typeof value === 'number')
    return kind === 'float' || !Number.isInteger(value) ? 24 : Math.abs(value) < 2 ** 30 ? 28 : 32;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return (
      56 + pyDictSize(entries.length) + entries.reduce((n, [k, v]) => n + 49 + k.length + pyValueSize(v), 0)
    );
  }
  return 16;
}

/**
 * An approximation of Python's `Synapse.get_total_size()` (recursive `sys.getsizeof` on CPython 3.10).
 * Axons never check `total_size` or `header_size`; these only need to be plausible.
 */
function approxTotalSize(body: Record<string, unknown>, kinds: ReadonlyMap<string, PyKind>): number {
  let size = 72 + pyDictSize(Object.keys(body).length);
  for (const [key, value] of Object.entries(body))
    size += 49 + key.length + pyValueSize(value, kinds.get(key));
  return size;
}

function synapseFields(call: SynapseCall): { fields: Record<string, unknown>; kinds: Map<string, PyKind> } {
  const spec = synapseSpec(call.name);
  const kinds = new Map<string, PyKind>([['timeout', 'float']]);
  if (spec === undefined) return { fields: { ...call.fields }, kinds };
  // Pydantic drops undeclared fields and fills defaults, in class order; so do we.
  const fields: Record<string, unknown> = {};
  for (const field of spec.fields) {
    fields[field.name] = call.fields?.[field.name] ?? field.default;
    kinds.set(field.name, field.kind);
  }
  return { fields, kinds };
}

/**
 * Builds headers and body exactly as Bittensor's dendrite does (`preprocess_synapse_for_request`,
 * `Synapse.to_headers()`, `json=synapse.model_dump()`), signing
 * `{nonce}.{dendrite hotkey}.{axon hotkey}.{uuid}.{body hash}`.
 */
export function buildWireRequest(
  call: SynapseCall,
  target: WireTarget,
  ctx: WireContext & { readonly nonce: bigint; readonly timeoutS: number },
): WireRequest {
  const { fields, kinds } = synapseFields(call);
  const bodyHash = computeBodyHash(fields, synapseSpec(call.name)?.requiredHashFields ?? [], { kinds });
  const message = `${ctx.nonce}.${ctx.hotkey}.${target.hotkey}.${ctx.uuid}.${bodyHash}`;
  const signature = `0x${Buffer.from(ctx.sign(message)).toString('hex')}`;
  const dendrite = terminal({
    ip: ctx.externalIp,
    version: ctx.version,
    nonce: ctx.nonce,
    uuid: ctx.uuid,
    hotkey: ctx.hotkey,
    signature,
  });
  const axon = terminal({ ip: target.ip, port: target.port, hotkey: target.hotkey });
  const body: Record<string, unknown> = {
    name: call.name,
    timeout: ctx.timeoutS,
    total_size: 0,
    header_size: 0,
    dendrite,
    axon,
    // A frozen pydantic field that to_headers() never sets: Python bodies always carry "".
    computed_body_hash: '',
    ...fields,
  };
  const headers: Record<string, string> = {
    name: call.name,
    timeout: pyFloatRepr(ctx.timeoutS),
    bt_header_axon_ip: target.ip,
    bt_header_axon_port: String(target.port),
    bt_header_axon_hotkey: target.hotkey,
    bt_header_dendrite_ip: ctx.externalIp,
    bt_header_dendrite_version: String(ctx.version),
    bt_header_dendrite_nonce: String(ctx.nonce),
    bt_header_dendrite_uuid: ctx.uuid,
    bt_header_dendrite_hotkey: ctx.hotkey,
    bt_header_dendrite_signature: signature,
  };
  headers.header_size = String(pyDictSize(Object.keys(headers).length));
  // get_total_size() runs inside to_headers() and stores its result, so the body carries it too.
  body.total_size = approxTotalSize(body, kinds);
  headers.total_size = String(body.total_size);
  headers.computed_body_hash = bodyHash;
  return { path: `/${call.name}`, headers, body: pyJsonDumps(body, kinds) };
}

/** What a Python dendrite makes of an axon's answer (`process_server_response`). */
export interface WireAnswer {
  /** `synapse.dendrite.status_code`: the axon's declared status, else the HTTP status. */
  readonly statusCode: number;
  readonly statusMessage?: string;
  readonly processTime?: number;
  /** The synapse fields as the axon returned them (defaults where it omitted one); only on 200. */
  readonly fields?: Record<string, unknown>;
  /** A refusal's error code, when the axon's body names one (`{"code":"ERR_…"}`, as this miner's does). */
  readonly axonCode?: string;
}

function headerNumber(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function fitsKind(value: unknown, kind: PyKind): boolean {
  if (kind === 'float') return typeof value === 'number';
  if (kind === 'int') return typeof value === 'number' && Number.isInteger(value);
  if (kind === 'str') return typeof value === 'string';
  if (kind === 'bool') return typeof value === 'boolean';
  return true;
}

function bodyAxon(json: Record<string, unknown>): Record<string, unknown> {
  const axon = json.axon;
  return typeof axon === 'object' && axon !== null ? (axon as Record<string, unknown>) : {};
}

/**
 * Reads an answer as Python does: the body (JSON object required, else 422) becomes the synapse only on
 * 200; status code, message and process time come from `bt_header_axon_*` headers over the body's axon.
 */
export function readWireAnswer(
  call: SynapseCall,
  httpStatus: number,
  headers: Record<string, string | string[] | undefined>,
  json: unknown,
): WireAnswer | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const obj = json as Record<string, unknown>;
  const axon = httpStatus === 200 ? bodyAxon(obj) : { status_code: httpStatus, status_message: obj.message };
  const headerCode = headerNumber(headers.bt_header_axon_status_code);
  const code = headerCode ?? (typeof axon.status_code === 'number' ? axon.status_code : httpStatus);
  const headerMessage = headers.bt_header_axon_status_message;
  const message = typeof headerMessage === 'string' ? headerMessage : axon.status_message;
  const processTime =
    headerNumber(headers.bt_header_axon_process_time) ??
    (typeof axon.process_time === 'number' ? axon.process_time : undefined);
  let fields: Record<string, unknown> | undefined;
  if (httpStatus === 200) {
    const spec = synapseSpec(call.name);
    if (spec === undefined) fields = { ...obj };
    else {
      fields = {};
      for (const f of spec.fields) {
        const value = Object.hasOwn(obj, f.name) ? obj[f.name] : f.default;
        // Pydantic would refuse to build the synapse, which the dendrite reports as 422.
        if (!fitsKind(value, f.kind)) return undefined;
        fields[f.name] = value;
      }
    }
  }
  return {
    statusCode: code,
    statusMessage: typeof message === 'string' ? message : undefined,
    processTime,
    fields,
    ...(httpStatus !== 200 && typeof obj.code === 'string' && /^ERR_[A-Z0-9_]{1,60}$/.test(obj.code)
      ? { axonCode: obj.code }
      : {}),
  };
}
