/** The axon's contracts: what the composition root gives it, its settings, and what it returns. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { MetagraphSource } from '../chain/types.js';
import type { Clock } from '../../core/clock/index.js';
import type { ImageDecoder } from '../../inference/image/index.js';
import type { Metrics } from '../../core/metrics/index.js';
import type { Predictor } from '../../inference/cascade/types.js';
import type { AnsweredHook } from './_answered.js';
import type { BlacklistPolicy } from './_blacklist.js';
import type { ClientAddresses } from './_client-ip.js';
import type { ScrapePolicy } from './_scrape.js';

/** What the axon needs, built by the composition root. */
export interface AxonDeps {
  readonly hotkey: string;
  readonly metagraph: MetagraphSource;
  readonly predictor: Predictor;
  readonly decode: ImageDecoder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /**
   * Called once per answered request, after its answer is written (never before, never in its way):
   * the query log's feed. Errors it throws or rejects with are counted
   * (`roadwork_axon_answered_hook_errors_total`) and logged, never seen by the caller.
   */
  readonly onAnswered?: AnsweredHook;
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
  /**
   * Body bytes one caller's open requests may hold together, so that a few slow senders cannot fill
   * `maxBodyBytesInFlight` for everyone. Default (or 0) 2 × `maxBodyBytes`: two full-size bodies.
   */
  readonly maxBodyBytesPerCaller?: number;
  /**
   * Share of `maxBodyBytesInFlight` kept for the validators that hold most of the stake
   * (`_seniority.ts`); default 0 (no reserve).
   */
  readonly bodyBytesReservedShare?: number;
  /**
   * Connections open at once on this axon's port (`server.maxConnections`); beyond, new ones are
   * closed unread. Default 2048, well under a usual open-file limit.
   */
  readonly maxConnections?: number;
  /**
   * Connections one peer address may hold open at once; beyond, new ones from it are closed unread.
   * Peers in `axon.trust_proxy` are exempt (all clients arrive through them). Default 64; 0 = no cap.
   */
  readonly maxConnectionsPerAddress?: number;
  /** `model_url` answered in `ExtendedImageSynapse` (the published model repository). */
  readonly modelUrl?: string;
  /** Published ip/port echoed in `bt_header_axon_*`; optional. */
  readonly externalIp?: string;
  readonly externalPort?: number;
  /** The subnet this miner serves (`netuid`): a metagraph of another subnet keeps it unready. */
  readonly netuid?: number;
  /** Who may read `/metrics`; default loopback and private networks only. */
  readonly scrape?: ScrapePolicy;
  /**
   * Whose client address the logs and `/metrics` see (`clientAddresses(axon.trust_proxy)`); default
   * the socket's peer, whatever the headers say.
   */
  readonly clients?: ClientAddresses;
}

/** A running axon. */
export interface Axon {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, waits for in-flight requests (up to `graceMs`), then closes idle sockets. */
  close(graceMs?: number): Promise<void>;
}
