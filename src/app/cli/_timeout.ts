/** `--timeout <seconds>` as the chain commands and `doctor` read it. */
import { numberFlag } from './_number-flag.js';

/** The flag in ms; `fallbackS` (seconds) when it is absent, or undefined without one. */
export function timeoutMs(value: unknown, fallbackS: number): number;
export function timeoutMs(value: unknown): number | undefined;
export function timeoutMs(value: unknown, fallbackS?: number): number | undefined {
  if (value === undefined) return fallbackS === undefined ? undefined : fallbackS * 1000;
  return numberFlag(value, '--timeout', { above: 0, example: '30' }) * 1000;
}
