/**
 * Check 5: validators reach the miner. Reads the running miner's Prometheus text:
 * `roadwork_axon_validator_requests_total{hotkey,version,generation}` counts verified requests since it
 * started (`roadwork_process_start_time_seconds`).
 */
import type { Clock } from '../../core/clock/index.js';
import { parseMetrics, type Sample } from '../../core/metrics/index.js';
import { durationWords, result, type CheckResult } from './_types.js';

const COUNTER = 'roadwork_axon_validator_requests_total';
const STARTED = 'roadwork_process_start_time_seconds';
/** Under this uptime, no traffic yet is not a fault: one validator asks each miner about once a cycle. */
const QUIET_START_S = 15 * 60;

export { parseMetrics, type Sample };

/** What the traffic check needs. */
export interface TrafficDeps {
  readonly metricsUrl: string;
  readonly fetch: typeof fetch;
  readonly clock: Clock;
  /** True when the subnet-state check found the subnet halted: no traffic is then expected. */
  readonly halted?: boolean;
  /** `metrics.token`, sent as a bearer token for a miner that serves /metrics only to its own networks. */
  readonly token?: string;
  readonly timeoutMs?: number;
}

function cannotRead(url: string, why: string): CheckResult {
  return result('traffic', 'fail', `Cannot read ${url}: ${why}.`, {
    fix: 'Start the miner (roadwork serve), or point --metrics-url at its /metrics.',
    data: { url },
  });
}

/** Scrapes `/metrics` and reports verified validator requests by version and generation. */
export async function checkTraffic(deps: TrafficDeps): Promise<CheckResult> {
  let text: string;
  try {
    const res = await deps.fetch(deps.metricsUrl, {
      headers: deps.token ? { authorization: `Bearer ${deps.token}` } : {},
      signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
    });
    if (res.status === 403) {
      return result('traffic', 'fail', `${deps.metricsUrl} refuses this address: ${res.status}.`, {
        fix:
          "Run the doctor where metrics.allow_from lets it in (the miner's host, by default), " +
          "or give the miner's metrics.token (ROADWORK_METRICS_TOKEN).",
        data: { url: deps.metricsUrl, status: res.status },
      });
    }
    if (!res.ok) return cannotRead(deps.metricsUrl, `HTTP ${res.status}`);
    text = await res.text();
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    return cannotRead(deps.metricsUrl, cause ?? (err as Error).message);
  }
  if (!text.includes(`# TYPE ${COUNTER} counter`)) {
    return result('traffic', 'warn', `${deps.metricsUrl} has no ${COUNTER}: not a roadwork miner?`, {
      fix: 'Point --metrics-url at the miner: http://HOST:PORT/metrics on the axon port.',
      data: { url: deps.metricsUrl },
    });
  }
  const samples = parseMetrics(text);
  // Summed over the axon hotkeys: a miner serving several (miner.hotkeys) has a series per hotkey.
  const versions = new Map<string, { version: string; generation: string; requests: number }>();
  for (const s of samples) {
    if (s.name !== COUNTER || s.value <= 0) continue;
    const version = s.labels.version ?? '';
    const generation = s.labels.generation ?? '';
    const key = `${version}\n${generation}`;
    const seen = versions.get(key) ?? { version, generation, requests: 0 };
    versions.set(key, { ...seen, requests: seen.requests + s.value });
  }
  const byVersion = [...versions.values()].sort((a, b) => b.requests - a.requests);
  const total = byVersion.reduce((n, v) => n + v.requests, 0);
  const started = samples.find((s) => s.name === STARTED)?.value;
  const uptimeS = started === undefined ? undefined : Math.max(0, deps.clock.nowMs() / 1000 - started);
  const since =
    uptimeS === undefined
      ? 'since the miner started'
      : `since the miner started ${durationWords(uptimeS)} ago`;
  const data = { url: deps.metricsUrl, total, uptimeS, byVersion };
  if (total > 0) {
    const list = byVersion.map((v) => `${v.generation} (version ${v.version}) ${v.requests}`).join(', ');
    return result('traffic', 'ok', `${total} verified validator requests ${since}: ${list}.`, { data });
  }
  if (deps.halted) {
    return result(
      'traffic',
      'warn',
      `No verified validator requests ${since}; expected while the subnet is halted.`,
      {
        fix: 'Nothing to fix on the miner: validators send no challenges during the halt.',
        data,
      },
    );
  }
  if (uptimeS !== undefined && uptimeS < QUIET_START_S) {
    return result('traffic', 'warn', `No verified validator requests yet ${since}.`, {
      fix: 'Each validator asks a miner about once per cycle; run the doctor again in a quarter of an hour.',
      data,
    });
  }
  return result('traffic', 'fail', `No verified validator requests ${since}.`, {
    fix:
      'Check the axon on chain (above), that the public port reaches this machine (firewall, NAT), ' +
      'and the blacklist settings; roadwork_axon_requests_total shows what was refused and why.',
    data,
  });
}
