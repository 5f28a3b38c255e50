// The stores' one error shape: what failed, where (a file, or a URL without its password), the cause, the fix.
import { RoadworkError } from '../errors/index.js';

/** An ERR_STORE naming `where`, with the cause's message in brackets. */
export function storeError(what: string, where: string, fix: string, cause: unknown): RoadworkError {
  const detail = cause instanceof Error ? ` (${cause.message})` : '';
  return new RoadworkError('ERR_STORE', `${what}: ${where}${detail}; ${fix}`, { cause });
}

/** A statement's failure, named by its first words (never its parameters). */
export function statementError(sql: string, where: string, cause: unknown): RoadworkError {
  if (cause instanceof RoadworkError) return cause;
  return storeError(
    `A store statement failed (${sql.trim().split(/\s+/, 3).join(' ')})`,
    where,
    'see the cause',
    cause,
  );
}
