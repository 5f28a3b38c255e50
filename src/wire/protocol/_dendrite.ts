// A signed Bittensor dendrite over node:http with a keep-alive agent, cheap enough for load tests.
import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { systemClock, type Clock } from '../../core/clock/index.js';
import type { Signer } from '../wallet/index.js';
import { buildWireRequest, readWireAnswer, type SynapseCall, type WireContext } from './_wire.js';

/** Bittensor 9.12.0 as `version_as_int` (major·10⁶ + minor·10³ + patch). */
export const DEFAULT_DENDRITE_VERSION = 9_012_000;

/** The axon to call: its address and hotkey, or a base URL and hotkey. */
export type AxonTarget =
  | { readonly ip: string; readonly port: number; readonly hotkey: string }
  | { readonly url: string; readonly hotkey: string };

/** One answer, read as Python's dendrite reads it. Transport failures are answers too, never throws. */
export interface DendriteResult {
  /** True when the status code is 200. */
  readonly ok: boolean;
  /** Python's `synapse.dendrite.status_code`: the axon's status, 408 on timeout, 503 unreachable, 422 unparsable. */
  readonly statusCode: number;
  readonly statusMessage?: string;
  /** The HTTP status, when a response arrived. */
  readonly httpStatus?: number;
  /** The axon's own `bt_header_axon_process_time`, seconds. */
  readonly processTime?: number;
  /** Wall time of the call, milliseconds. */
  readonly elapsedMs: number;
  /** The answered synapse fields (200 only). */
  readonly fields?: Record<string, unknown>;
  /** The axon's error code for a refusal, when its body names one. */
  readonly axonCode?: string;
  /** Set when the call failed on the dendrite side. */
  readonly code?: 'ERR_DENDRITE_TIMEOUT' | 'ERR_DENDRITE_TRANSPORT' | 'ERR_DENDRITE_RESPONSE';
  /** The nonce this call was signed with. */
  readonly nonce: bigint;
}

/** Options of `createDendrite`. */
export interface DendriteOptions {
  readonly signer: Signer;
  /** Stable per dendrite, like Python's `uuid1()` at construction. Default: a random UUID. */
  readonly uuid?: string;
  /** Default `DEFAULT_DENDRITE_VERSION` (9.12.0); below 7002000 the axon skips the freshness window. */
  readonly version?: number;
  /** Sent as `bt_header_dendrite_ip`. Default `0.0.0.0`. */
  readonly externalIp?: string;
  /** Most concurrent sockets per axon. Default 256. */
  readonly maxSockets?: number;
  /** Largest answer body read, bytes. Default 8 MiB. */
  readonly maxResponseBytes?: number;
  readonly clock?: Clock;
}

/** A signed client for axons. */
export interface Dendrite {
  readonly uuid: string;
  readonly hotkey: string;
  /** Sends `synapse` to `target` and waits up to `timeoutS` seconds (default 12, as Python). */
  call(target: AxonTarget, synapse: SynapseCall, options?: { timeoutS?: number }): Promise<DendriteResult>;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

function resolveTarget(target: AxonTarget): { host: string; port: number; hotkey: string } {
  if ('url' in target) {
    const url = new URL(target.url);
    return {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 80),
      hotkey: target.hotkey,
    };
  }
  return { host: target.ip, port: target.port, hotkey: target.hotkey };
}

/** Creates a dendrite that signs every call with `signer`, sending what Python Bittensor sends. */
export function createDendrite(options: DendriteOptions): Dendrite {
  const clock = options.clock ?? systemClock();
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 });
  const ctx: WireContext = {
    hotkey: options.signer.ss58,
    sign: (message: string) => options.signer.sign(message),
    uuid: options.uuid ?? randomUUID(),
    version: options.version ?? DEFAULT_DENDRITE_VERSION,
    externalIp: options.externalIp ?? '0.0.0.0',
  };
  const maxBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
  return {
    uuid: ctx.uuid,
    hotkey: ctx.hotkey,
    call: (target, synapse, callOptions = {}) =>
      send(resolveTarget(target), synapse, callOptions.timeoutS ?? 12, { agent, clock, ctx, maxBytes }),
    close: () => agent.destroy(),
  };
}

interface SendDeps {
  readonly agent: Agent;
  readonly clock: Clock;
  readonly ctx: WireContext;
  readonly maxBytes: number;
}

function send(
  target: { host: string; port: number; hotkey: string },
  synapse: SynapseCall,
  timeoutS: number,
  deps: SendDeps,
): Promise<DendriteResult> {
  const started = performance.now();
  const nonce = deps.clock.nowNs();
  const wire = buildWireRequest(
    synapse,
    { ip: target.host, port: target.port, hotkey: target.hotkey },
    {
      ...deps.ctx,
      nonce,
      timeoutS,
    },
  );
  const body = Buffer.from(wire.body, 'utf8');
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<DendriteResult, 'elapsedMs' | 'nonce'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, elapsedMs: performance.now() - started, nonce });
    };
    const req = httpRequest({
      agent: deps.agent,
      host: target.host,
      port: target.port,
      method: 'POST',
      path: wire.path,
      headers: {
        ...wire.headers,
        'content-type': 'application/json',
        'content-length': String(body.length),
        accept: '*/*',
      },
    });
    // Declared after finish() but before any listener that can call it.
    const timer = setTimeout(
      () => {
        finish({
          ok: false,
          statusCode: 408,
          statusMessage: `Request timeout after ${timeoutS} seconds`,
          code: 'ERR_DENDRITE_TIMEOUT',
        });
        req.destroy();
      },
      Math.max(1, timeoutS * 1000),
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const refused = err.code === 'ECONNREFUSED' || err.code === 'EHOSTUNREACH' || err.code === 'ENOTFOUND';
      finish({
        ok: false,
        statusCode: refused ? 503 : 500,
        statusMessage: `${refused ? 'Service unavailable' : 'Client error'} at ${target.host}:${target.port}${wire.path}: ${err.code ?? err.message}`,
        code: 'ERR_DENDRITE_TRANSPORT',
      });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > deps.maxBytes) {
          finish({
            ok: false,
            statusCode: 422,
            httpStatus: res.statusCode,
            statusMessage: `Failed to parse response: body over ${deps.maxBytes} bytes`,
            code: 'ERR_DENDRITE_RESPONSE',
          });
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', () => undefined);
      res.on('end', () => {
        const httpStatus = res.statusCode ?? 0;
        let json: unknown;
        try {
          json = (res.headers['content-type'] ?? '').includes('application/json')
            ? JSON.parse(Buffer.concat(chunks).toString('utf8'))
            : undefined;
        } catch {
          json = undefined;
        }
        const answer = readWireAnswer(synapse, httpStatus, res.headers, json);
        if (answer === undefined) {
          finish({
            ok: false,
            statusCode: 422,
            httpStatus,
            statusMessage: 'Failed to parse response: not a synapse JSON object',
            code: 'ERR_DENDRITE_RESPONSE',
          });
          return;
        }
        finish({ ok: answer.statusCode === 200, httpStatus, ...answer });
      });
    });
    req.end(body);
  });
}
