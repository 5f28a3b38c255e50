// The live dashboard's numbers, from the miner's Prometheus text (its own registry in `serve`, a scrape
// of its /metrics in `roadwork ui`): one reader for both, so the page shows what Prometheus sees.
import { parseMetrics, type Sample } from '../../core/metrics/index.js';
import { BURN_SHARE } from '../../wire/chain/index.js';

/** One reading of the dashboard. */
export interface DashboardSnapshot {
  /** ms since epoch of the reading. */
  readonly at: number;
  /** Seconds the rates are over (0 on the first reading: the rates are then null). */
  readonly windowS: number;
  /** Requests per minute over the window, by validator hotkey (`unknown` for unregistered callers). */
  readonly perMinuteByValidator: Readonly<Record<string, number>> | null;
  /** Verified requests per minute by dendrite version and generation. */
  readonly perMinuteByVersion: Readonly<Record<string, number>> | null;
  /** Requests since the miner started, by validator. */
  readonly totalByValidator: Readonly<Record<string, number>>;
  /** End-to-end latency quantiles (ms) of answered requests: over the window when it saw any, else since start. */
  readonly latencyMs: { readonly p50: number | null; readonly p99: number | null };
  /** Error answers since start by code (every status but 200). */
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** Cascade exits since start, `stage/exit`. */
  readonly exits: Readonly<Record<string, number>>;
  /** Cache hits over lookups since start; null before the first lookup. */
  readonly cacheHitRate: number | null;
  /** The served model and its age in days (null while the version was never published). */
  readonly model: { readonly version: string; readonly ageDays: number | null } | null;
  readonly querylog: {
    readonly logged: number;
    readonly dropped: Readonly<Record<string, number>>;
    readonly queue: number;
  };
  /** The subnet's state from the metagraph: the owner's incentive share, and halted as `roadwork doctor` judges it. */
  readonly subnet: {
    readonly ownerIncentiveShare: number | null;
    readonly halted: boolean | null;
    readonly block: number | null;
  };
}

const P = 'roadwork_';

function sumBy(samples: readonly Sample[], name: string, key: (s: Sample) => string | undefined) {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    const k = key(s);
    if (k !== undefined) out[k] = (out[k] ?? 0) + s.value;
  }
  return out;
}

function one(samples: readonly Sample[], name: string): number | null {
  const s = samples.find((x) => x.name === name);
  return s === undefined || Number.isNaN(s.value) ? null : s.value;
}

function perMinute(now: Record<string, number>, before: Record<string, number>, windowS: number) {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(now)) out[k] = ((v - (before[k] ?? 0)) * 60) / windowS;
  return out;
}

/** Cumulative `le` buckets (summed over labels) of the request histogram's 200 answers. */
function buckets(samples: readonly Sample[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${P}axon_request_duration_seconds_bucket` || s.labels.status !== '200') continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    out.set(le, (out.get(le) ?? 0) + s.value);
  }
  return out;
}

/** A quantile from cumulative buckets, interpolated within its bucket as Prometheus does (ms). */
export function quantileMs(cumulative: ReadonlyMap<number, number>, q: number): number | null {
  const les = [...cumulative.keys()].sort((a, b) => a - b);
  const total = cumulative.get(Infinity) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const le of les) {
    const count = cumulative.get(le)!;
    if (count >= rank) {
      if (le === Infinity) return prevLe * 1000;
      const inBucket = count - prevCount;
      const f = inBucket > 0 ? (rank - prevCount) / inBucket : 1;
      return (prevLe + (le - prevLe) * f) * 1000;
    }
    prevLe = le;
    prevCount = count;
  }
  return null;
}

/** Keeps the last minute of readings, so rates are over about a minute whatever the polling interval. */
export class Dashboard {
  readonly #read: () => Promise<string>;
  readonly #now: () => number;
  #history: { at: number; samples: Sample[] }[] = [];
  /** Predictions by model at the previous reading, and the model last seen answering. */
  #predictions: Record<string, number> = {};
  #served: string | undefined;

  constructor(read: () => Promise<string>, now: () => number) {
    this.#read = read;
    this.#now = now;
  }

  /**
   * The model answering now: the one whose predictions grew most since the previous reading, else the
   * one last seen answering, else the one with the most. Not simply the most: after a registry.follow
   * switch the old version has answered more than the new one for a long while, but answers no more.
   */
  #servedModel(samples: readonly Sample[]): string | undefined {
    const now = sumBy(samples, `${P}predict_duration_seconds_count`, (s) => s.labels.model);
    let grown: string | undefined;
    let most = 0;
    for (const [model, n] of Object.entries(now)) {
      const growth = n - (this.#predictions[model] ?? 0);
      if (growth > most) [grown, most] = [model, growth];
    }
    this.#predictions = now;
    this.#served = grown ?? this.#served;
    return this.#served;
  }

  /** Reads the metrics now and returns the numbers. */
  async snapshot(): Promise<DashboardSnapshot> {
    const samples = parseMetrics(await this.#read());
    const at = this.#now();
    // The oldest reading at most 60 s old (or the newest before that), then forget older ones.
    this.#history = this.#history.filter((h) => at - h.at <= 60_000);
    const base = this.#history[0];
    this.#history.push({ at, samples });
    const windowS = base === undefined ? 0 : (at - base.at) / 1000;
    const validatorOf = (s: Sample) => s.labels.caller;
    const versionOf = (s: Sample) => `${s.labels.version ?? 'none'} (${s.labels.generation ?? '?'})`;
    const byValidator = sumBy(samples, `${P}axon_requests_total`, validatorOf);
    const byVersion = sumBy(samples, `${P}axon_validator_requests_total`, versionOf);
    const rates =
      base === undefined || windowS <= 0
        ? null
        : {
            validator: perMinute(
              byValidator,
              sumBy(base.samples, `${P}axon_requests_total`, validatorOf),
              windowS,
            ),
            version: perMinute(
              byVersion,
              sumBy(base.samples, `${P}axon_validator_requests_total`, versionOf),
              windowS,
            ),
          };
    const nowBuckets = buckets(samples);
    const windowed = new Map<number, number>();
    if (base !== undefined) {
      const old = buckets(base.samples);
      for (const [le, n] of nowBuckets) windowed.set(le, n - (old.get(le) ?? 0));
    }
    const latency = (windowed.get(Infinity) ?? 0) > 0 ? windowed : nowBuckets;
    const lookups = sumBy(samples, `${P}cache_lookups_total`, (s) => s.labels.result);
    const lookupsTotal = (lookups.hit ?? 0) + (lookups.miss ?? 0);
    const age = samples.find((s) => s.name === `${P}model_age_days`);
    const served = this.#servedModel(samples);
    const share = one(samples, `${P}subnet_owner_incentive_share`);
    return {
      at,
      windowS,
      perMinuteByValidator: rates?.validator ?? null,
      perMinuteByVersion: rates?.version ?? null,
      totalByValidator: byValidator,
      latencyMs: { p50: quantileMs(latency, 0.5), p99: quantileMs(latency, 0.99) },
      errorsByCode: sumBy(samples, `${P}axon_requests_total`, (s) =>
        s.labels.status === '200' ? undefined : (s.labels.code ?? s.labels.status),
      ),
      exits: sumBy(samples, `${P}cascade_stage_exits_total`, (s) => `${s.labels.stage}/${s.labels.exit}`),
      cacheHitRate: lookupsTotal > 0 ? (lookups.hit ?? 0) / lookupsTotal : null,
      model:
        age !== undefined
          ? { version: age.labels.version ?? '', ageDays: age.value }
          : served === undefined
            ? null
            : { version: served, ageDays: null },
      querylog: {
        logged: one(samples, `${P}querylog_logged_total`) ?? 0,
        dropped: sumBy(samples, `${P}querylog_dropped_total`, (s) => s.labels.reason),
        queue: one(samples, `${P}querylog_queue_depth`) ?? 0,
      },
      subnet: {
        ownerIncentiveShare: share,
        halted: share === null ? null : share >= BURN_SHARE,
        block: one(samples, `${P}metagraph_block`),
      },
    };
  }
}
