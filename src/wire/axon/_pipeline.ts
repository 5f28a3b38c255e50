/**
 * The synapse pipeline: the named steps in order, cheapest first — blacklist, parse and verify, admit
 * (intake), body, a stake-ordered slot, forward, respond — after `route` chose it. The steps are plain
 * functions over plain data; this class only runs them in order, holds what must be released (intake
 * ticket, slot, deadline timer), records the outcome, and hands answered requests to `onAnswered`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RoadworkError, toRoadworkError, type ErrorCode } from '../../core/errors/index.js';
import { HotkeyCache, NonceStore } from '../protocol/index.js';
import type { Prediction } from '../../inference/cascade/types.js';
import { Admission, type Slot } from './_admission.js';
import { admit } from './_admit.js';
import { AnsweredFeed } from './_answered.js';
import { screenCaller } from './_blacklist.js';
import { receiveBody } from './_body.js';
import type { Exchange } from './_exchange.js';
import { forward, type ForwardDeps } from './_forward.js';
import { Intake } from './_intake.js';
import { RefusalLog } from './_refusals.js';
import { isSenior } from './_seniority.js';
import { answerReply, refusalReply, send, statusOf, type AxonInfo } from './_respond.js';
import { synapseLabel, type SynapseName } from './_route.js';
import type { AxonDeps, AxonOptions } from './_types.js';
import { VersionLabels, verifyRequest, type VerifyStepDeps } from './_verify.js';

/** Runs synapse requests through the steps; one per axon. */
export class SynapsePipeline {
  readonly #deps: AxonDeps;
  readonly #options: AxonOptions;
  readonly #verify: VerifyStepDeps;
  readonly #forward: ForwardDeps;
  readonly #intake: Intake;
  readonly #admission: Admission;
  readonly #refusals: RefusalLog;
  readonly #feed: AnsweredFeed | undefined;
  readonly #axon: AxonInfo;

  constructor(deps: AxonDeps, options: AxonOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#verify = {
      axonHotkey: deps.hotkey,
      clock: deps.clock,
      nonces: new NonceStore({ maxEntries: options.maxNonces }),
      keys: new HotkeyCache(),
      deadlineMarginMs: options.deadlineMarginMs,
      metrics: deps.metrics,
      versions: new VersionLabels(),
    };
    this.#forward = {
      predictor: deps.predictor,
      decode: deps.decode,
      metrics: deps.metrics,
      hotkey: deps.hotkey,
    };
    this.#intake = new Intake({
      maxPerCaller: options.maxPerCaller ?? 8,
      maxBytes: options.maxBodyBytesInFlight ?? 8 * options.maxBodyBytes,
      maxBytesPerCaller: options.maxBodyBytesPerCaller || 2 * options.maxBodyBytes,
      reservedShare: options.bodyBytesReservedShare ?? 0,
    });
    this.#admission = new Admission({ maxInFlight: options.maxInFlight, maxQueue: options.maxQueue });
    this.#refusals = new RefusalLog(deps.logger, deps.clock);
    this.#feed = deps.onAnswered && new AnsweredFeed(deps.onAnswered, deps.metrics, { hotkey: deps.hotkey });
    this.#axon = { hotkey: deps.hotkey, ip: options.externalIp, port: options.externalPort };
  }

  /** Steps 2 to 8 for a request `route` sent to `synapse`; settles once it is answered or refused. */
  async run(req: IncomingMessage, res: ServerResponse, synapse: SynapseName, x: Exchange): Promise<void> {
    const { clock, metrics } = this.#deps;
    const { maxBodyBytes } = this.#options;
    const metagraph = this.#deps.metagraph.current();
    const screened = screenCaller(x.caller, metagraph, this.#options.blacklist);
    if (!screened.ok) return this.refuse(req, res, x, screened.code, screened.message);
    const verified = verifyRequest(synapse, distinctHeaders(req), this.#verify);
    if (!verified.ok) return this.refuse(req, res, x, verified.code, verified.message);
    const stake = screened.neuron?.stake ?? 0;
    const senior = this.#options.blacklist.allow.has(verified.caller) || isSenior(stake, metagraph);
    const admitted = admit(
      this.#intake,
      verified.caller,
      req.headers['content-length'],
      maxBodyBytes,
      senior,
    );
    if (!admitted.ok) return this.refuse(req, res, x, admitted.code, admitted.message);
    const { deadlineMs } = verified;

    const controller = new AbortController();
    const { signal } = controller;
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadlineMs - clock.nowMs()));
    // `req` emits 'close' once its body is consumed; only the response's early close means the caller left.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    let slot: Slot | undefined;
    let answered = false;
    try {
      // No slot is held while the body arrives: a slow sender only spends its own intake share.
      const received = await receiveBody(req, maxBodyBytes, signal);
      metrics.overheadSeconds.observe(
        { hotkey: this.#deps.hotkey, phase: 'body' },
        received.receiveMs / 1000,
      );
      const tq = performance.now();
      slot = await this.#admission.acquire(stake, { signal, remainingMs: deadlineMs - clock.nowMs() });
      const queueMs = performance.now() - tq;
      this.#gauges();
      const forwarded = await forward(received.synapse, this.#forward, { deadlineMs, signal });
      if (signal.aborted)
        throw new RoadworkError('ERR_DEADLINE_EXCEEDED', 'Deadline passed before the answer');
      const seconds = (performance.now() - x.t0) / 1000;
      send(
        res,
        answerReply(synapse, forwarded.fields, req.headers, seconds, {
          axon: this.#axon,
          modelUrl: this.#options.modelUrl,
        }),
      );
      answered = true;
      const totalMs = this.#record(req, x, 200, 'OK', x.t0, forwarded.prediction);
      this.#feed?.notify(
        () => ({
          id: x.id,
          synapse,
          receivedAtMs: x.atMs,
          validator: {
            hotkey: verified.caller,
            version: verified.version,
            generation: verified.generation,
            stake,
          },
          image: received.synapse.image as string,
          decoded: forwarded.decoded,
          ...(forwarded.prediction.embedding && { embedding: forwarded.prediction.embedding }),
          ...(forwarded.prediction.imageHash && { phash: forwarded.prediction.imageHash }),
          prediction: forwarded.prediction.probability,
          modelVersion: forwarded.prediction.modelVersion,
          stages: forwarded.prediction.stages ?? [],
          timings: {
            receiveMs: received.receiveMs,
            verifyMs: verified.verifyMs,
            queueMs,
            decodeMs: forwarded.decodeMs,
            predictMs: forwarded.predictMs,
            totalMs,
          },
        }),
        () => x.log,
      );
    } catch (err) {
      const e = toRoadworkError(err);
      if (e.code === 'ERR_INTERNAL' || statusOf(e.code) >= 500) x.log.warn({ err: e }, e.message);
      this.refuse(req, res, x, e.code, e.message, { close: e.code === 'ERR_BODY_TOO_LARGE' });
    } finally {
      clearTimeout(timer);
      slot?.release(answered);
      admitted.ticket.release();
      this.#gauges();
    }
  }

  /**
   * Answers a refusal from any step (the code's status, the synapse headers echoed), closing the
   * connection when the body was never read, and records it. `t0` overrides the arrival time.
   */
  refuse(
    req: IncomingMessage,
    res: ServerResponse,
    x: Exchange,
    code: ErrorCode,
    message: string,
    options: { readonly close?: boolean; readonly t0?: number } = {},
  ): void {
    const t0 = options.t0 ?? x.t0;
    const status = statusOf(code);
    // A rejected request whose body was never read: close the connection rather than drain it.
    const close = options.close === true || !req.readableEnded;
    send(
      res,
      refusalReply(code, message, req.headers, (performance.now() - t0) / 1000, { axon: this.#axon, close }),
    );
    this.#record(req, x, status, code, t0);
    this.#refusals.note(code, status, x.caller.slice(0, 64), message);
  }

  /** Flushes the refusal summaries (at shutdown). */
  close(): void {
    this.#refusals.close();
  }

  /** Counts and times the outcome, logs it; returns the request's time so far, ms. */
  #record(
    req: IncomingMessage,
    x: Exchange,
    status: number,
    code: string,
    t0: number,
    prediction?: Prediction,
  ): number {
    const { metrics, logger, hotkey } = this.#deps;
    const synapse = synapseLabel(req.url);
    // Caller labels only for registered hotkeys: anyone can invent hotkeys, and labels must stay bounded.
    const known = x.caller !== '' && this.#deps.metagraph.current()?.byHotkey.has(x.caller) === true;
    const caller = known ? x.caller : 'unknown';
    metrics.requests.inc({ hotkey, synapse, status: String(status), code, caller });
    const ms = performance.now() - t0;
    metrics.requestSeconds.observe({ hotkey, synapse, status: String(status) }, ms / 1000);
    // The class the validator rounds the answer to (0.5 rounds to 0): a miner stuck in one class scores MCC 0.
    if (prediction !== undefined)
      metrics.answers.inc({ hotkey, class: prediction.probability > 0.5 ? 'positive' : 'negative' });
    // Answers to validators at info; rejections at debug, so a flood of junk cannot flood the log.
    if (status === 200) {
      // The check first: a silenced logger should not cost each answer a child logger.
      if (logger.isLevelEnabled('info'))
        x.log.info(
          {
            synapse,
            ms: round(ms),
            p: prediction === undefined ? undefined : round(prediction.probability * 100) / 100,
            model: prediction?.modelVersion,
          },
          'Answered',
        );
    } else if (logger.isLevelEnabled('debug'))
      x.log.debug({ synapse, status, code, ms: round(ms) }, 'Rejected');
    return ms;
  }

  #gauges(): void {
    const { metrics, hotkey } = this.#deps;
    metrics.inFlight.set({ hotkey }, this.#admission.inFlight);
    metrics.queueDepth.set({ hotkey }, this.#admission.queued);
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

// headersDistinct keeps a repeated header as several values (req.headers joins them with ", ").
function distinctHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headersDistinct)) {
    if (v !== undefined) out[k] = v.length === 1 ? v[0]! : v;
  }
  return out;
}
