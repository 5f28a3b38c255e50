/** Step 4, admit: the caller's share of the intake, reserved before any body byte is read. */
import { isRoadworkError } from '../../core/errors/index.js';
import type { Intake, Ticket } from './_intake.js';
import type { Refusal } from './_refusal.js';

/** A request let in: release its ticket once when it is answered. */
export interface Admitted {
  readonly ok: true;
  readonly ticket: Ticket;
}

/**
 * Reserves the declared body length (`content-length`), or the whole `maxBodyBytes` for a chunked
 * body since it may grow to the limit; a caller over its share, or a full byte budget (for a caller
 * that is not `senior`, the part of it outside the reserve), is refused (503).
 */
export function admit(
  intake: Intake,
  caller: string,
  contentLength: string | undefined,
  maxBodyBytes: number,
  senior = true,
): Admitted | Refusal {
  try {
    return { ok: true, ticket: intake.enter(caller, reservedBytes(contentLength, maxBodyBytes), senior) };
  } catch (err) {
    if (!isRoadworkError(err)) throw err;
    return { ok: false, code: err.code, message: err.message };
  }
}

/** Bytes to reserve for a body declared as `contentLength`. */
export function reservedBytes(contentLength: string | undefined, maxBodyBytes: number): number {
  const declared = Number(contentLength);
  return Number.isFinite(declared) && declared >= 0 ? Math.min(declared, maxBodyBytes) : maxBodyBytes;
}
