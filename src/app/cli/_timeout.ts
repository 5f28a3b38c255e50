/** `--timeout <seconds>` as the chain commands and `doctor` read it. */
import { RoadworkError } from '../../core/errors/index.js';

/** The flag in ms; `fallbackS` (seconds) when it is absent, or undefined without one. */
export function timeoutMs(value: unknown, fallbackS: number): number;
export function timeoutMs(value: unknown): number | undefined;
export function timeoutMs(value: unknown, fallbackS?: number): number | undefined {
  if (value === undefined) return fallbackS === undefined ? undefined : fallbackS * 1000;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `--timeout is not a positive number of seconds: "${String(value)}". Give e.g. --timeout 30.`,
    );
  }
  return n * 1000;
}
