/** What a doctor check reports: one line each, a status, what was found, and the fix in words. */

/** `ok` ✓, `warn` !, `fail` ✗, `skip` – (nothing to check against, e.g. offline). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** The checks, in the order they run and print. */
export const CHECK_IDS = Object.freeze([
  'wallet',
  'chain',
  'registration',
  'axon-chain',
  'axon-local',
  'traffic',
  'subnet',
  'model',
  'host',
] as const);

/** One check's name. */
export type CheckId = (typeof CHECK_IDS)[number];

/** One line of the report. */
export interface CheckResult {
  readonly id: CheckId;
  readonly status: CheckStatus;
  /** What was found, in one sentence. */
  readonly message: string;
  /** What to do, for `warn`, `fail` and `skip`. */
  readonly fix?: string;
  /** The numbers behind the message, for scripts (`--json`). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The whole report: `ok` is false when any check failed. */
export interface DoctorReport {
  readonly ok: boolean;
  readonly counts: Readonly<Record<CheckStatus, number>>;
  readonly checks: readonly CheckResult[];
}

/** Builds a result; `fix` and `data` are left out when empty so the JSON stays small. */
export function result(
  id: CheckId,
  status: CheckStatus,
  message: string,
  extra: { fix?: string; data?: Record<string, unknown> } = {},
): CheckResult {
  return Object.freeze({
    id,
    status,
    message,
    ...(extra.fix ? { fix: extra.fix } : {}),
    ...(extra.data ? { data: Object.freeze(extra.data) } : {}),
  });
}

/** Collects results into a report. */
export function reportOf(checks: readonly CheckResult[]): DoctorReport {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return Object.freeze({
    ok: counts.fail === 0,
    counts: Object.freeze(counts),
    checks: Object.freeze([...checks]),
  });
}

/** Seconds of Bittensor block time, for turning block counts into hours. */
export const BLOCK_SECONDS = 12;

/** `12 min` / `3.2 h` / `2.1 days`. */
export function durationWords(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const hours = seconds / 3600;
  return hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} days`;
}

/** The time a number of blocks takes, `~3.2 h`. */
export function blocksToWords(blocks: number): string {
  return `~${durationWords(blocks * BLOCK_SECONDS)}`;
}
