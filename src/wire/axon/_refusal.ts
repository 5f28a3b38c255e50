/** A step's refusal: the catalogue code and the message for the caller, returned rather than thrown. */
import type { ErrorCode } from '../../core/errors/index.js';

/**
 * The cheap steps (route, blacklist, verify, intake) return this instead of throwing: they run for
 * every stranger's request, and a flood of junk should cost no stack traces.
 */
export interface Refusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}
