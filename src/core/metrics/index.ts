/** Prometheus metrics: one registry per process, built by the composition root and injected. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { parseMetrics, type Sample } from './_parse.js';

/** The metrics the miner records. */
export interface Metrics {
  readonly registry: Registry;
  // Per-request metrics carry `hotkey`, the miner hotkey (ss58) whose axon took the request: one process
  // may serve several (`miner.hotkeys`). Model, cache and process metrics are shared and carry none.
  readonly requests: Counter<'hotkey' | 'synapse' | 'status' | 'code' | 'caller'>;
  readonly requestSeconds: Histogram<'hotkey' | 'synapse' | 'status'>;
  readonly validatorRequests: Counter<'hotkey' | 'version' | 'generation'>;
  readonly overheadSeconds: Histogram<'hotkey' | 'phase'>;
  readonly predictSeconds: Histogram<'hotkey' | 'model'>;
  readonly inFlight: Gauge<'hotkey'>;
  readonly queueDepth: Gauge<'hotkey'>;
  readonly metagraphBlock: Gauge;
  readonly metagraphAgeSeconds: Gauge;
  readonly subnetOwnerIncentiveShare: Gauge;
  readonly stageRuns: Counter<'stage' | 'kind'>;
  readonly stageExits: Counter<'stage' | 'exit'>;
  readonly stageSkips: Counter<'stage' | 'reason'>;
  readonly stageSeconds: Histogram<'stage'>;
  readonly cacheLookups: Counter<'backend' | 'result'>;
  readonly cacheErrors: Counter<'backend' | 'op'>;
  readonly answeredHookErrors: Counter<'hotkey'>;
  /** Connections closed unread by the axon's caps, by axon hotkey and cap (`total`, `per_address`). */
  readonly connectionsRefused: Counter<'hotkey' | 'reason'>;
  readonly modelAgeDays: Gauge<'version'>;
  readonly canaryAnswers: Counter<'version' | 'arm' | 'class' | 'exit'>;
  readonly querylogLogged: Counter;
  readonly querylogDropped: Counter<'reason'>;
  readonly querylogQueue: Gauge;
  /** Answers by the class validators round them to: `positive` when p > 0.5, else `negative`. */
  readonly answers: Counter<'hotkey' | 'class'>;
  /** Worker pools' ready workers and restarts, read at each scrape (see `watchPools`). */
  readonly workersReady: Gauge<'pool'>;
  readonly workerRestarts: Counter<'pool'>;
  /**
   * Reports a metagraph on every scrape as `metagraph_block`, `metagraph_age_seconds` and
   * `subnet_owner_incentive_share` (the age grows
   * between refreshes, so it is read when scraped rather than set when fetched). The last call wins.
   */
  watchMetagraph(read: () => MetagraphReading): void;
  /**
   * Creates the per-hotkey series that must read 0 rather than be absent before the first request
   * (`axon_answers_total` by class, for the one-class alert); each axon calls it for its hotkey.
   */
  startHotkey(hotkey: string): void;
  /**
   * Reports the served model's age on every scrape as `model_age_days{version}`, absent while `read`
   * answers undefined (never published, or not a registry version). The last call wins.
   */
  watchModelAge(read: () => ModelAgeReading | undefined): void;
  /**
   * Reports worker pools on every scrape as `worker_pool_ready{pool}` and `worker_restarts_total{pool}`
   * (a `PoolHealth.list()` fits). The last call wins.
   */
  watchPools(read: () => readonly PoolReading[]): void;
}

/** What `watchModelAge` reads. */
export interface ModelAgeReading {
  /** The registry version served. */
  readonly version: string;
  /** Days since its latest publication's submission time. */
  readonly days: number;
}

/** What `watchPools` reads per pool. */
export interface PoolReading {
  readonly name: string;
  /** Workers ready to take a job now (0 while every worker is crashing or cooling down). */
  readonly ready: number;
  /** Workers replaced since the pool started. */
  readonly restarts: number;
}

/** What `watchMetagraph` reads: a `MetagraphSource.status()` fits. */
export interface MetagraphReading {
  /** Block of the snapshot; absent before the first one. */
  readonly block?: number;
  /** Age of the snapshot, ms. */
  readonly ageMs?: number;
  /** Share (0..1) of the miner incentive on the subnet owner's UIDs; absent when not known. */
  readonly ownerIncentiveShare?: number;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16];

/** Creates a registry with process metrics (unless disabled) and the miner's own metrics. */
export function createMetrics(options: { processMetrics?: boolean; prefix?: string } = {}): Metrics {
  const registry = new Registry();
  const prefix = options.prefix ?? 'roadwork_';
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];
  let readMetagraph: (() => MetagraphReading) | undefined;
  let readModelAge: (() => ModelAgeReading | undefined) | undefined;
  let readPools: () => readonly PoolReading[] = () => [];
  const answers = new Counter({
    name: `${prefix}axon_answers_total`,
    help: 'Answers sent, by axon hotkey and the class validators round them to (positive when p > 0.5): all in one class means MCC 0.',
    labelNames: ['hotkey', 'class'] as const,
    registers,
  });
  return Object.freeze({
    registry,
    requests: new Counter({
      name: `${prefix}axon_requests_total`,
      help: 'Axon requests by axon hotkey, synapse, HTTP status, error code and caller (unregistered callers as "unknown").',
      labelNames: ['hotkey', 'synapse', 'status', 'code', 'caller'] as const,
      registers,
    }),
    requestSeconds: new Histogram({
      name: `${prefix}axon_request_duration_seconds`,
      help: 'End-to-end axon latency, from request arrival to response end, by axon hotkey.',
      labelNames: ['hotkey', 'synapse', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    validatorRequests: new Counter({
      name: `${prefix}axon_validator_requests_total`,
      help: "Verified requests by axon hotkey, the caller's bt_header_dendrite_version and validator generation (2.x sends 2004, 0.4.x sends 42).",
      labelNames: ['hotkey', 'version', 'generation'] as const,
      registers,
    }),
    overheadSeconds: new Histogram({
      name: `${prefix}axon_phase_duration_seconds`,
      help: 'Axon time per phase (verify, body, decode, predict), by axon hotkey.',
      labelNames: ['hotkey', 'phase'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    predictSeconds: new Histogram({
      name: `${prefix}predict_duration_seconds`,
      help: 'Predictor latency per request the predictor answered, by axon hotkey and model (cascade) version.',
      labelNames: ['hotkey', 'model'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    inFlight: new Gauge({
      name: `${prefix}axon_in_flight`,
      help: 'Requests being predicted, by axon hotkey.',
      labelNames: ['hotkey'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: `${prefix}axon_queue_depth`,
      help: 'Requests waiting for a slot, by axon hotkey.',
      labelNames: ['hotkey'] as const,
      registers,
    }),
    metagraphBlock: new Gauge({
      name: `${prefix}metagraph_block`,
      help: 'Block of the metagraph snapshot (0 before the first one).',
      registers,
      collect() {
        this.set(readMetagraph?.().block ?? 0);
      },
    }),
    metagraphAgeSeconds: new Gauge({
      name: `${prefix}metagraph_age_seconds`,
      help: 'Age of the metagraph snapshot, seconds (0 before the first one).',
      registers,
      collect() {
        this.set((readMetagraph?.().ageMs ?? 0) / 1000);
      },
    }),
    subnetOwnerIncentiveShare: new Gauge({
      name: `${prefix}subnet_owner_incentive_share`,
      help: "Share (0..1) of the subnet's miner incentive on the owner's UIDs at the last metagraph refresh; ~1 means halted or burning (mining earns nothing). NaN when not known.",
      registers,
      collect() {
        this.set(readMetagraph?.().ownerIncentiveShare ?? Number.NaN);
      },
    }),
    stageRuns: new Counter({
      name: `${prefix}cascade_stage_runs_total`,
      help: 'Cascade stage runs that produced an outcome, by stage and kind.',
      labelNames: ['stage', 'kind'] as const,
      registers,
    }),
    stageExits: new Counter({
      name: `${prefix}cascade_stage_exits_total`,
      help: 'Requests answered early by a stage, by stage and exit (positive, negative).',
      labelNames: ['stage', 'exit'] as const,
      registers,
    }),
    stageSkips: new Counter({
      name: `${prefix}cascade_stage_skips_total`,
      help: 'Cascade stages skipped, by stage and reason (deadline, timeout, error, aborted).',
      labelNames: ['stage', 'reason'] as const,
      registers,
    }),
    stageSeconds: new Histogram({
      name: `${prefix}cascade_stage_duration_seconds`,
      help: 'Cascade stage latency per run, by stage.',
      labelNames: ['stage'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    cacheLookups: new Counter({
      name: `${prefix}cache_lookups_total`,
      help: 'Prediction cache lookups by backend (memory, redis) and result (hit, miss).',
      labelNames: ['backend', 'result'] as const,
      registers,
    }),
    cacheErrors: new Counter({
      name: `${prefix}cache_errors_total`,
      help: 'Prediction cache backend failures (the lookup fell back to memory) by backend and operation.',
      labelNames: ['backend', 'op'] as const,
      registers,
    }),
    answeredHookErrors: new Counter({
      name: `${prefix}axon_answered_hook_errors_total`,
      help: 'Errors thrown by the onAnswered hook (e.g. the query log); the answers were not affected.',
      labelNames: ['hotkey'] as const,
      registers,
    }),
    connectionsRefused: new Counter({
      name: `${prefix}axon_connections_refused_total`,
      help: 'Connections the axon closed unread, by axon hotkey and cap: total (limits.max_connections) or per_address (limits.max_connections_per_address).',
      labelNames: ['hotkey', 'reason'] as const,
      registers,
    }),
    modelAgeDays: new Gauge({
      name: `${prefix}model_age_days`,
      help: 'Days since the served model version was published (roadwork publish); absent when never published.',
      labelNames: ['version'] as const,
      registers,
      collect() {
        this.reset();
        const age = readModelAge?.();
        if (age !== undefined) this.set({ version: age.version }, age.days);
      },
    }),
    canaryAnswers: new Counter({
      name: `${prefix}canary_answers_total`,
      help: 'Answers while a canary runs, by registry version, arm (primary or candidate), class (positive when p > 0.5, as validators round) and the stage that exited early (none when fused).',
      labelNames: ['version', 'arm', 'class', 'exit'] as const,
      registers,
    }),
    querylogLogged: new Counter({
      name: `${prefix}querylog_logged_total`,
      help: 'Answered requests written to the query log.',
      registers,
    }),
    querylogDropped: new Counter({
      name: `${prefix}querylog_dropped_total`,
      help: 'Answered requests the query log did not keep, by reason (full: the queue was full; error: the write failed). Their answers were not affected.',
      labelNames: ['reason'] as const,
      registers,
    }),
    querylogQueue: new Gauge({
      name: `${prefix}querylog_queue_depth`,
      help: 'Answered requests waiting to be written to the query log.',
      registers,
    }),
    answers,
    workersReady: new Gauge({
      name: `${prefix}worker_pool_ready`,
      help: 'Workers of each model pool ready to take a job (0: the model is down, crashing or cooling down).',
      labelNames: ['pool'] as const,
      registers,
      collect() {
        this.reset();
        for (const pool of readPools()) this.set({ pool: pool.name }, pool.ready);
      },
    }),
    workerRestarts: new Counter({
      name: `${prefix}worker_restarts_total`,
      help: 'Workers replaced after a crash or a wedged job, by model pool, since the pool started.',
      labelNames: ['pool'] as const,
      registers,
      collect() {
        // Read, not counted: the pool keeps the count, and a pool rebuilt at promotion starts at 0 again.
        this.reset();
        for (const pool of readPools()) this.inc({ pool: pool.name }, pool.restarts);
      },
    }),
    watchMetagraph(read: () => MetagraphReading) {
      readMetagraph = read;
    },
    startHotkey(hotkey: string) {
      // Both series exist from the start, so "no positive answer in two hours" reads 0, not an absent series.
      answers.inc({ hotkey, class: 'positive' }, 0);
      answers.inc({ hotkey, class: 'negative' }, 0);
    },
    watchModelAge(read: () => ModelAgeReading | undefined) {
      readModelAge = read;
    },
    watchPools(read: () => readonly PoolReading[]) {
      readPools = read;
    },
  });
}
