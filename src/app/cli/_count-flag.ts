/** A flag that counts things (`--limit`, `--k`): a whole number ≥ 1, checked before any work. */
import { RoadworkError } from '../../core/errors/index.js';

/** The flag's value as a number, or ERR_CONFIG_INVALID naming the flag and the value. */
export function countFlag(value: unknown, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `${flag} is not a whole number ≥ 1: "${String(value)}". Give a whole number such as 20.`,
    );
  }
  return n;
}
