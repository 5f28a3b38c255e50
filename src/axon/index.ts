/**
 * The axon: a `node:http` server answering Bittensor synapses. Cheap checks first (route, headers,
 * blacklist from the metagraph), then the signature, then a per-caller intake share, the body, and
 * only then a stake-ordered slot for decoding and predicting.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { MetagraphSource } from '../chain/types.js';
import type { Clock } from '../clock/index.js';
import { RoadworkError, toRoadworkError, type ErrorCode } from '../errors/index.js';
import type { Metrics } from '../metrics/index.js';
import type { Prediction, Predictor } from '../predictor/types.js';
import { HotkeyCache, NonceStore, parseSynapseHeaders, verifyParsedRequest } from '../protocol/index.js';
import type { ImageDecoder } from '../image/index.js';
import { Admission, type Slot } from './_admission.js';
import { checkBlacklist, type BlacklistPolicy } from './_blacklist.js';
import { readBody } from './_body.js';
import { forwardImageSynapse, parseSynapseBody } from './_image-synapse.js';
import { Intake } from './_intake.js';
import { RefusalLog } from './_refusals.js';
import { PRIVATE_NETWORKS, scrapePolicy, type ScrapePolicy } from './_scrape.js';
import { errorBody, sendJson, statusOf, synapseHeaders } from './_respond.js';

export { checkBlacklist, type BlacklistPolicy } from './_blacklist.js';
export { Admission } from './_admission.js';
export { Intake } from './_intake.js';
export { PRIVATE_NETWORKS, scrapePolicy, type ScrapePolicy } from './_scrape.js';

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
  readonly deadlineMarginMs: number;
  readonly maxInFlight: number;
  readonly maxQueue: number;
  readonly maxNonces: number;
  /** Requests one caller may have open at once (body, decode, queue and prediction). Default 8. */
  readonly maxPerCaller?: number;
  /** Body bytes all open requests may hold together. Default 8 × `maxBodyBytes`. */
  readonly maxBodyBytesInFlight?: number;
  /** `model_url` answered in `ExtendedImageSynapse` (the published model repository). */
  readonly modelUrl?: string;
  /** Published ip/port echoed in `bt_header_axon_*`; optional. */
  readonly externalIp?: string;
  readonly externalPort?: number;
  /** The subnet this miner serves (`netuid`): a metagraph of another subnet keeps it unready. */
  readonly netuid?: number;
  /** Who may read `/metrics`; default loopback and private networks only. */
  readonly scrape?: ScrapePolicy;
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

/** A request that passed the blacklist and the signature: who sent it and when it is due. */
interface Verified {
  readonly caller: string;
  readonly stake: number;
  readonly deadlineMs: number;
}

/** Builds the axon server (not yet listening). */
export function createAxon(deps: AxonDeps, options: AxonOptions): Axon {
  const nonces = new NonceStore({ maxEntries: options.maxNonces });
  const keys = new HotkeyCache();
  const admission = new Admission({ maxInFlight: options.maxInFlight, maxQueue: options.maxQueue });
  const intake = new Intake({
    maxPerCaller: options.maxPerCaller ?? 8,
    maxBytes: options.maxBodyBytesInFlight ?? 8 * options.maxBodyBytes,
  });
  const scrape = options.scrape ?? scrapePolicy(PRIVATE_NETWORKS);
  const refusals = new RefusalLog(deps.logger, deps.clock);
  let listedProblem: string | undefined;
  let draining = false;
  let active = 0;
  let onIdle: (() => void) | undefined;

  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderBytes,
      requestTimeout: 30_000,
      headersTimeout: 10_000,
      keepAliveTimeout: 65_000,
      // Node checks the two timeouts above only this often (30 s by default): a slow-header connection
      // would otherwise live three times longer than configured.
      connectionsCheckingInterval: 1000,
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

  // The synapse pipeline, cheapest step first: route, screen (blacklist), verify (signature), intake
  // (per-caller share and body bytes), body, then decode and predict under a stake-ordered slot.
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (SYNAPSES.has(path.slice(1)))
        return fail(res, req, 'ERR_METHOD_NOT_ALLOWED', `Use POST: ${req.method} ${path.slice(0, 64)}`, t0);
      return handleGet(path, req, res);
    }
    const name = path.slice(1);
    if (!SYNAPSES.has(name))
      return fail(res, req, 'ERR_NOT_FOUND', `No synapse named: ${name.slice(0, 64)}`, t0);
    if (req.method !== 'POST') return fail(res, req, 'ERR_METHOD_NOT_ALLOWED', `Use POST: ${req.method}`, t0);
    if (draining)
      return fail(res, req, 'ERR_SHUTTING_DOWN', 'Axon is shutting down; retry another miner', t0);
    const verified = screenAndVerify(req, name);
    if (!verified.ok) return fail(res, req, verified.code, verified.message, t0);
    const { caller, stake, deadlineMs } = verified.request;

    let ticket;
    try {
      ticket = intake.enter(caller, declaredBytes(req));
    } catch (err) {
      const e = toRoadworkError(err);
      return fail(res, req, e.code, e.message, t0);
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadlineMs - deps.clock.nowMs()));
    // `req` emits 'close' once its body is consumed; only the response's early close means the caller left.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    let slot: Slot | undefined;
    let answered = false;
    try {
      const tb = performance.now();
      // No slot is held while the body arrives: a slow sender only spends its own intake share.
      const body = await readBody(req, options.maxBodyBytes, controller.signal);
      const synapse = parseSynapseBody(body);
      deps.metrics.overheadSeconds.observe({ phase: 'body' }, (performance.now() - tb) / 1000);
      slot = await admission.acquire(stake, {
        signal: controller.signal,
        remainingMs: deadlineMs - deps.clock.nowMs(),
      });
      gauges();
      const answer = await forwardImageSynapse(
        synapse,
        { predictor: deps.predictor, decode: deps.decode },
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
      answered = true;
      observe(req, 200, 'OK', caller, t0, answer.prediction);
    } catch (err) {
      const e = toRoadworkError(err);
      if (e.code === 'ERR_INTERNAL' || statusOf(e.code) >= 500)
        deps.logger.warn({ err: e, caller }, e.message);
      fail(res, req, e.code, e.message, t0, e.code === 'ERR_BODY_TOO_LARGE');
    } finally {
      clearTimeout(timer);
      slot?.release(answered);
      ticket.release();
      gauges();
    }
  }

  // Blacklist before the signature (cheap, no crypto for strangers), then the headers and signature.
  function screenAndVerify(
    req: IncomingMessage,
    name: string,
  ): { ok: true; request: Verified } | { ok: false; code: ErrorCode; message: string } {
    const hotkey = header(req, 'bt_header_dendrite_hotkey');
    const metagraph = deps.metagraph.current();
    if (metagraph === undefined && !options.blacklist.allowNonRegistered) {
      return {
        ok: false,
        code: 'ERR_METAGRAPH_UNAVAILABLE',
        message: 'Metagraph not loaded yet; retry shortly',
      };
    }
    const verdict = checkBlacklist(hotkey, metagraph, options.blacklist);
    if (!verdict.ok) return verdict;
    const headerName = header(req, 'name');
    if (headerName !== '' && headerName !== name) {
      return {
        ok: false,
        code: 'ERR_SYNAPSE_NAME_MISMATCH',
        message: `Header name does not match the path: ${headerName.slice(0, 64)}`,
      };
    }
    const tv = performance.now();
    // headersDistinct keeps a repeated header as several values (req.headers joins them with ", ").
    const parsed = parseSynapseHeaders(distinctHeaders(req), { synapse: name });
    if (!parsed.ok) return { ok: false, code: parsed.code, message: parsed.message };
    const verified = verifyParsedRequest(parsed.headers, {
      axonHotkey: deps.hotkey,
      clock: deps.clock,
      nonces,
      keys,
    });
    deps.metrics.overheadSeconds.observe({ phase: 'verify' }, (performance.now() - tv) / 1000);
    if (!verified.ok) return { ok: false, code: verified.code as ErrorCode, message: verified.message };
    const version = parsed.headers.dendrite.version;
    deps.metrics.validatorRequests.inc({ version: versionLabel(version), generation: generationOf(version) });
    const timeoutS = Math.min(parsed.headers.timeout || 12, MAX_TIMEOUT_S);
    return {
      ok: true,
      request: {
        caller: verified.caller,
        stake: verdict.neuron?.stake ?? 0,
        deadlineMs: deps.clock.nowMs() + timeoutS * 1000 - options.deadlineMarginMs,
      },
    };
  }

  // Label values stay bounded even if a registered caller invents versions.
  const versionsSeen = new Set<string>();
  function versionLabel(version: number | undefined): string {
    const v = String(version ?? 'none');
    if (versionsSeen.has(v)) return v;
    if (versionsSeen.size >= 32) return 'other';
    versionsSeen.add(v);
    return v;
  }

  function declaredBytes(req: IncomingMessage): number {
    const declared = Number(req.headers['content-length']);
    // A chunked body may grow to the limit: reserve all of it.
    return Number.isFinite(declared) && declared >= 0
      ? Math.min(declared, options.maxBodyBytes)
      : options.maxBodyBytes;
  }

  function gauges(): void {
    deps.metrics.inFlight.set(admission.inFlight);
    deps.metrics.queueDepth.set(admission.queued);
  }

  async function handleGet(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (path === '/health' || path === '/healthz') {
      return sendJson(res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok' });
    }
    if (path === '/health/ready' || path === '/ready') {
      const predictor = deps.predictor.status();
      const metagraph = deps.metagraph.status();
      const unlisted = notListed();
      const ready = !draining && predictor.ready && metagraph.loaded && unlisted === undefined;
      return sendJson(res, ready ? 200 : 503, {
        ready,
        draining,
        predictor,
        metagraph,
        ...(unlisted && { problem: unlisted }),
      });
    }
    if (path === '/metrics') {
      if (!scrape.allows(req)) {
        return sendJson(
          res,
          403,
          errorBody(
            'ERR_METRICS_FORBIDDEN',
            'Metrics are served to metrics.allow_from addresses or with the metrics.token bearer token',
          ),
        );
      }
      const text = await deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
      res.end(text);
      return;
    }
    sendJson(res, 404, errorBody('ERR_NOT_FOUND', `Not found: ${path.slice(0, 64)}`));
  }

  /**
   * Why validators cannot reach this miner through the metagraph it holds, if they cannot: another
   * subnet's metagraph, or one without this hotkey. Logged (warn) each time the reason changes.
   */
  function notListed(): string | undefined {
    const graph = deps.metagraph.current();
    let problem: string | undefined;
    if (graph !== undefined && options.netuid !== undefined && graph.netuid !== options.netuid) {
      problem = `The metagraph is of subnet ${graph.netuid}, but this miner serves netuid ${options.netuid}: fix --netuid or the metagraph source.`;
    } else if (graph !== undefined && !graph.byHotkey.has(deps.hotkey)) {
      problem = `This miner's hotkey ${deps.hotkey} is not registered on subnet ${graph.netuid} (not in its metagraph at block ${graph.block}): validators will not send it challenges. Register it (btcli subnet register) or fix --wallet.name/--wallet.hotkey.`;
    }
    if (problem !== listedProblem) {
      if (problem !== undefined) deps.logger.warn({ hotkey: deps.hotkey }, `Not ready: ${problem}`);
      else if (listedProblem !== undefined) deps.logger.info('The miner is in the metagraph again: ready');
      listedProblem = problem;
    }
    return problem;
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
    const caller = header(req, 'bt_header_dendrite_hotkey');
    observe(req, status, code, caller, t0);
    refusals.note(code, status, caller.slice(0, 64), message);
  }

  function observe(
    req: IncomingMessage,
    status: number,
    code: string,
    caller: string,
    t0: number,
    prediction?: Prediction,
  ): void {
    const synapse = SYNAPSES.has((req.url ?? '').slice(1)) ? (req.url ?? '').slice(1) : 'other';
    // Caller labels only for registered hotkeys: anyone can invent hotkeys, and labels must stay bounded.
    const known = caller !== '' && deps.metagraph.current()?.byHotkey.has(caller) === true;
    deps.metrics.requests.inc({ synapse, status: String(status), code, caller: known ? caller : 'unknown' });
    const ms = performance.now() - t0;
    deps.metrics.requestSeconds.observe({ synapse, status: String(status) }, ms / 1000);
    // Answers to validators at info; rejections at debug, so a flood of junk cannot flood the log.
    if (status === 200)
      deps.logger.info(
        {
          caller,
          synapse,
          ms: round(ms),
          p: prediction === undefined ? undefined : round(prediction.probability * 100) / 100,
          model: prediction?.modelVersion,
        },
        'Answered',
      );
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
          notListed();
          resolve(server.address() as AddressInfo);
        });
      });
    },
    async close(graceMs = 10_000) {
      draining = true;
      refusals.close();
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

// Validators of protocol 2.x send 2004 (2.0.4); the 0.4.x line restarted its numbering (0.4.2 sends 42).
function generationOf(version: number | undefined): string {
  if (version === undefined) return 'unknown';
  if (version >= 2000 && version < 3000) return '2.x';
  if (version < 1000) return '0.4.x';
  return 'other';
}

function distinctHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headersDistinct)) {
    if (v !== undefined) out[k] = v.length === 1 ? v[0]! : v;
  }
  return out;
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
