/** Prometheus metrics: one registry per process, built by the composition root and injected. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics the miner records. */
export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'synapse' | 'status' | 'code' | 'caller'>;
  readonly requestSeconds: Histogram<'synapse' | 'status'>;
  readonly overheadSeconds: Histogram<'phase'>;
  readonly predictSeconds: Histogram<'model'>;
  readonly inFlight: Gauge;
  readonly queueDepth: Gauge;
  readonly metagraphBlock: Gauge;
  readonly metagraphAgeSeconds: Gauge;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16];

/** Creates a registry with process metrics (unless disabled) and the miner's own metrics. */
export function createMetrics(options: { processMetrics?: boolean; prefix?: string } = {}): Metrics {
  const registry = new Registry();
  const prefix = options.prefix ?? 'roadwork_';
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];
  return Object.freeze({
    registry,
    requests: new Counter({
      name: `${prefix}axon_requests_total`,
      help: 'Axon requests by synapse, HTTP status, error code and caller (unregistered callers as "unknown").',
      labelNames: ['synapse', 'status', 'code', 'caller'] as const,
      registers,
    }),
    requestSeconds: new Histogram({
      name: `${prefix}axon_request_duration_seconds`,
      help: 'End-to-end axon latency, from request arrival to response end.',
      labelNames: ['synapse', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    overheadSeconds: new Histogram({
      name: `${prefix}axon_phase_duration_seconds`,
      help: 'Axon time per phase (verify, body, decode, predict).',
      labelNames: ['phase'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    predictSeconds: new Histogram({
      name: `${prefix}predict_duration_seconds`,
      help: 'Predictor latency per request.',
      labelNames: ['model'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    inFlight: new Gauge({ name: `${prefix}axon_in_flight`, help: 'Requests being predicted.', registers }),
    queueDepth: new Gauge({
      name: `${prefix}axon_queue_depth`,
      help: 'Requests waiting for a slot.',
      registers,
    }),
    metagraphBlock: new Gauge({
      name: `${prefix}metagraph_block`,
      help: 'Block of the metagraph snapshot.',
      registers,
    }),
    metagraphAgeSeconds: new Gauge({
      name: `${prefix}metagraph_age_seconds`,
      help: 'Age of the metagraph snapshot.',
      registers,
    }),
  });
}
