// The published model's age and the warnings before the 90 days NATIX's README gives a submission.

/** Days a submission is valid per NATIX's README (`PROTOCOL.md` §7); no validator enforces it. */
export const MODEL_VALID_DAYS = 90;

/** Ages, in days, at which the operator is warned: each is louder than the one before. */
export const AGE_WARNING_DAYS: readonly number[] = Object.freeze([75, 80, 85]);

const DAY_MS = 86_400_000;

/** Days since `submissionTime` (Unix seconds) at `nowMs`; fractional, never negative. */
export function modelAgeDays(submissionTime: number, nowMs: number): number {
  return Math.max(0, (nowMs - submissionTime * 1000) / DAY_MS);
}

/** What the age means for the operator. */
export interface AgeVerdict {
  readonly days: number;
  /** The highest warning threshold reached, or undefined below the first. */
  readonly threshold?: number;
  /** One line for the log, `doctor` and the dashboard. */
  readonly message: string;
}

/** Judges an age in days against `AGE_WARNING_DAYS`. */
export function judgeAge(days: number): AgeVerdict {
  const threshold = [...AGE_WARNING_DAYS].reverse().find((t) => days >= t);
  const whole = Math.floor(days);
  if (threshold === undefined)
    return { days, message: `The published model is ${whole} days old (of ${MODEL_VALID_DAYS}).` };
  const left = Math.max(0, MODEL_VALID_DAYS - days);
  return {
    days,
    threshold,
    message:
      `The published model is ${whole} days old: past ${threshold} days, ${Math.ceil(left)} left of the ` +
      `${MODEL_VALID_DAYS} NATIX's README gives a submission (validators do not check it since 2025-11-30). ` +
      'Publish a new version: roadwork publish <version>.',
  };
}
