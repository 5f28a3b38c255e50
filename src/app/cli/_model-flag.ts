// A flag that belongs to one head type (`--mil` to `--model mil`, `--conv` to `--model conv`).
import { RoadworkError } from '../../core/errors/index.js';

/**
 * `raw` read by `parse` under `--model <owner>`, where it is required; refused under any other
 * model, undefined when absent there. `parse` returns undefined for text it cannot read; `usage`
 * ends the message then (e.g. "--model mil needs --mil CELLS,DIMS,POOL").
 */
export function modelOnlyFlag<T>(
  flag: string,
  owner: string,
  model: unknown,
  raw: unknown,
  usage: string,
  parse: (parts: readonly string[]) => T | undefined,
): T | undefined {
  if (model !== owner) {
    if (raw !== undefined)
      throw new RoadworkError(
        'ERR_CONFIG_INVALID',
        `Invalid ${flag} with --model ${String(model)}; it is for --model ${owner}`,
      );
    return undefined;
  }
  const parsed = typeof raw === 'string' ? parse(raw.split(',').map((p) => p.trim())) : undefined;
  if (parsed === undefined)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `${raw === undefined ? `Missing ${flag}` : `Invalid ${flag}: ${String(raw)}`}; ${usage}`,
    );
  return parsed;
}
