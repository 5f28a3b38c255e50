/** Coded errors: one class, one catalogue, converted to HTTP at the axon boundary only. */
import { ERRORS, type ErrorCode } from './catalogue.js';

export { ERRORS, type ErrorCode } from './catalogue.js';

/** An error with a stable code from the catalogue; `cause` stays for the log, never for the caller. */
export class RoadworkError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RoadworkError';
    this.code = code;
  }

  /** HTTP status for this code, or 500 where the code is not a caller-facing one. */
  get status(): number {
    return ERRORS[this.code].status ?? 500;
  }
}

/** Whether `err` is a `RoadworkError`, optionally with the given code. */
export function isRoadworkError(err: unknown, code?: ErrorCode): err is RoadworkError {
  return err instanceof RoadworkError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a `RoadworkError`, keeping coded errors as they are. */
export function toRoadworkError(err: unknown, fallback: ErrorCode = 'ERR_INTERNAL'): RoadworkError {
  if (err instanceof RoadworkError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RoadworkError(fallback, message, { cause: err });
}
