/**
 * The axon: a `node:http` server answering Bittensor synapses. Cheap checks first (route, headers,
 * blacklist from the metagraph), then the signature, then admission by stake, and only then the body.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { MetagraphSource } from '../chain/types.js';
import type { Clock } from '../clock/index.js';
import { RoadworkError, toRoadworkError, type ErrorCode } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Predictor } from '../predictor/types.js';
import { HotkeyCache, NonceStore, parseSynapseHeaders, verifyParsedRequest } from '../protocol/index.js';
import { Admission } from './_admission.js';
import { checkBlacklist, type BlacklistPolicy } from './_blacklist.js';
import { readBody } from './_body.js';
import { forwardImageSynapse, parseSynapseBody, type ImageDecoder } from './_image-synapse.js';
import { errorBody, sendJson, statusOf, synapseHeaders } from './_respond.js';

export { checkBlacklist, type BlacklistPolicy } from './_blacklist.js';
export { Admission } from './_admission.js';
export type { ImageDecoder } from './_image-synapse.js';

/** What the axon needs, built by the composition root. */
export interface AxonDeps {
  readonly hotkey: string;
  readonly metagraph: MetagraphSource;
  readonly predictor: Predictor;
  readonly decode: ImageDecoder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Axon limits and policy (from the settings). */
export interface AxonOptions {
  readonly blacklist: BlacklistPolicy;
  readonly maxBodyBytes: number;
  readonly maxHeaderBytes: number;
  readonly maxPixels: number;
  readonly decodeTimeoutMs: number;
  readonly deadlineMarginMs: number;
  readonly maxInFlight: number;
  readonly maxQueue: number;
  readonly maxNonces: number;
  /** `model_url` answered in `ExtendedImageSynapse` (the published model repository). */
  readonly modelUrl?: string;
  /** Published ip/port echoed in `bt_header_axon_*`; optional. */
  readonly externalIp?: string;
  readonly externalPort?: number;
}

/** A running axon. */
export interface Axon {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, waits for in-flight requests (up to `graceMs`), then closes idle sockets. */
  close(graceMs?: number): Promise<void>;
}

// PROTOCOL.md names `ImageSynapse`; some validator releases send the same request as
// `ExtendedImageSynapse` (adds `model_url`). Both are answered the same way.
const SYNAPSES = new Set(['ImageSynapse', 'ExtendedImageSynapse']);
// Python dendrites send timeout 12 by default and validators 9; anything past a minute is not a validator.
const MAX_TIMEOUT_S = 60;

/** Builds the axon server (not yet listening). */
export function createAxon(deps: AxonDeps, options: AxonOptions): Axon {
  const nonces = new NonceStore({ maxEntries: options.maxNonces });
  const keys = new HotkeyCache();
  const admission = new Admission({ maxInFlight: options.maxInFlight, maxQueue: options.maxQueue });
  const limits = {
    maxPixels: options.maxPixels,
    decodeTimeoutMs: options.decodeTimeoutMs,
    maxBase64Chars: options.maxBodyBytes,
  };
  let draining = false;
  let active = 0;
  let onIdle: (() => void) | undefined;

  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderBytes,
      requestTimeout: 30_000,
      headersTimeout: 10_000,
      keepAliveTimeout: 65_000,
    },
    (req, res) => {
      active++;
      res.once('close', () => {
        active--;
        if (active === 0) onIdle?.();
      });
      handle(req, res).catch((err) => {
        deps.logger.error({ err }, 'Unhandled axon error');
        fail(res, req, 'ERR_INTERNAL', 'Internal error', performance.now());
      });
    },
  );
  server.on('clientError', (err, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = (err as { code?: string }).code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    socket.end(`HTTP/1.1 ${status} Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' || req.method === 'HEAD') return handleGet(path, res);
    const name = path.slice(1);
    if (!SYNAPSES.has(name))
      return fail(res, req, 'ERR_NOT_FOUND', `No synapse named: ${name.slice(0, 64)}`, t0);
    if (req.method !== 'POST') return fail(res, req, 'ERR_METHOD_NOT_ALLOWED', `Use POST: ${req.method}`, t0);
    if (draining)
      return fail(res, req, 'ERR_SHUTTING_DOWN', 'Axon is shutting down; retry another miner', t0);

    const hotkey = header(req, 'bt_header_dendrite_hotkey');
    const metagraph = deps.metagraph.current();
    if (metagraph === undefined && !options.blacklist.allowNonRegistered) {
      return fail(res, req, 'ERR_METAGRAPH_UNAVAILABLE', 'Metagraph not loaded yet; retry shortly', t0);
    }
    const verdict = checkBlacklist(hotkey, metagraph, options.blacklist);
    if (!verdict.ok) return fail(res, req, verdict.code, verdict.message, t0);
    const headerName = header(req, 'name');
    if (headerName !== '' && headerName !== name) {
      return fail(
        res,
        req,
        'ERR_SYNAPSE_NAME_MISMATCH',
        `Header name does not match the path: ${headerName.slice(0, 64)}`,
        t0,
      );
    }

    const tv = performance.now();
    const parsed = parseSynapseHeaders(req.headers);
    if (!parsed.ok) return fail(res, req, parsed.code as ErrorCode, parsed.message, t0);
    const verified = verifyParsedRequest(parsed.headers, {
      axonHotkey: deps.hotkey,
      clock: deps.clock,
      nonces,
      keys,
    });
    deps.metrics.overheadSeconds.observe({ phase: 'verify' }, (performance.now() - tv) / 1000);
    if (!verified.ok) return fail(res, req, verified.code as ErrorCode, verified.message, t0);

    const timeoutS = Math.min(parsed.headers.timeout || 12, MAX_TIMEOUT_S);
    const deadlineMs = deps.clock.nowMs() + timeoutS * 1000 - options.deadlineMarginMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadlineMs - deps.clock.nowMs()));
    // `req` emits 'close' once its body is consumed; only the response's early close means the caller left.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const stake = verdict.neuron?.stake ?? 0;
    let slot;
    try {
      slot = await admission.acquire(stake, controller.signal);
    } catch (err) {
      clearTimeout(timer);
      const e = toRoadworkError(err);
      return fail(res, req, e.code, e.message, t0);
    }
    deps.metrics.inFlight.set(admission.inFlight);
    deps.metrics.queueDepth.set(admission.queued);
    try {
      const tb = performance.now();
      const body = await readBody(req, options.maxBodyBytes, controller.signal);
      const synapse = parseSynapseBody(body);
      deps.metrics.overheadSeconds.observe({ phase: 'body' }, (performance.now() - tb) / 1000);
      const answer = await forwardImageSynapse(
        synapse,
        { predictor: deps.predictor, decode: deps.decode, limits },
        {
          deadlineMs,
          signal: controller.signal,
          onPhase: (phase, ms) => deps.metrics.overheadSeconds.observe({ phase }, ms / 1000),
        },
      );
      if (controller.signal.aborted)
        throw new RoadworkError('ERR_DEADLINE_EXCEEDED', 'Deadline passed before the answer');
      const seconds = (performance.now() - t0) / 1000;
      const headers = synapseHeaders(req.headers, 200, 'Success', seconds, axonInfo());
      const axon = {
        ...(asObject(answer.fields.axon) ?? {}),
        status_code: 200,
        status_message: 'Success',
        process_time: seconds,
      };
      const extra = name === 'ExtendedImageSynapse' ? { model_url: options.modelUrl ?? '' } : {};
      sendJson(res, 200, { ...answer.fields, ...extra, axon }, headers);
      observe(req, 200, 'OK', verified.caller, t0);
    } catch (err) {
      const e = toRoadworkError(err);
      if (e.code === 'ERR_INTERNAL' || statusOf(e.code) >= 500)
        deps.logger.warn({ err: e, caller: verified.caller }, e.message);
      fail(res, req, e.code, e.message, t0, e.code === 'ERR_BODY_TOO_LARGE');
    } finally {
      clearTimeout(timer);
      slot.release();
      deps.metrics.inFlight.set(admission.inFlight);
      deps.metrics.queueDepth.set(admission.queued);
    }
  }

  async function handleGet(path: string, res: ServerResponse): Promise<void> {
    if (path === '/health' || path === '/healthz') {
      return sendJson(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok' });
    }
    if (path === '/health/ready' || path === '/ready') {
      const predictor = deps.predictor.status();
      const metagraph = deps.metagraph.status();
      const ready = !draining && predictor.ready && metagraph.loaded;
      return sendJson(res, ready ? 200 : 503, { ready, draining, predictor, metagraph });
    }
    if (path === '/metrics') {
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      res.end(text);
      return;
    }
    sendJson(res, 404, errorBody('ERR_NOT_FOUND', `Not found: ${path.slice(0, 64)}`));
  }

  function axonInfo() {
    return { hotkey: deps.hotkey, ip: options.externalIp, port: options.externalPort };
  }

  function fail(
    res: ServerResponse,
    req: IncomingMessage,
    code: ErrorCode,
    message: string,
    t0: number,
    close?: boolean,
  ): void {
    const status = statusOf(code);
    const seconds = (performance.now() - t0) / 1000;
    // A rejected request whose body was never read: close the connection rather than drain it.
    const unread = !req.readableEnded;
    sendJson(
      res,
      status,
      errorBody(code, message),
      synapseHeaders(req.headers, status, message, seconds, axonInfo()),
      close || unread,
    );
    observe(req, status, code, header(req, 'bt_header_dendrite_hotkey'), t0);
  }

  function observe(req: IncomingMessage, status: number, code: string, caller: string, t0: number): void {
    const synapse = SYNAPSES.has((req.url ?? '').slice(1)) ? (req.url ?? '').slice(1) : 'other';
    // Caller labels only for registered hotkeys: anyone can invent hotkeys, and labels must stay bounded.
    const known = caller !== '' && deps.metagraph.current()?.byHotkey.has(caller) === true;
    deps.metrics.requests.inc({ synapse, status: String(status), code, caller: known ? caller : 'unknown' });
    const ms = performance.now() - t0;
    deps.metrics.requestSeconds.observe({ synapse, status: String(status) }, ms / 1000);
    // Answers to validators at info; rejections at debug, so a flood of junk cannot flood the log.
    if (status === 200) deps.logger.info({ caller, synapse, ms: round(ms) }, 'Answered');
    else if (deps.logger.isLevelEnabled('debug'))
      deps.logger.debug({ caller, synapse, status, code, ms: round(ms) }, 'Rejected');
  }

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(graceMs = 10_000) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (active > 0) {
        await Promise.race([
          new Promise<void>((resolve) => (onIdle = resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return typeof v === 'string' ? v : '';
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
