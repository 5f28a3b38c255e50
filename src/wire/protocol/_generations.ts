/** The two validator generations a miner meets (PROTOCOL §5 and §9), by the name their version carries. */
import { RoadworkError } from '../../core/errors/index.js';

/** Every generation the local validator can imitate; the first is upstream `main` today. */
export const PROTOCOLS = Object.freeze(['0.4', '2.0.4'] as const);

/**
 * `0.4`: source-size JPEGs, no augmentation, one third each real / synthetic / api (upstream since
 * May 2026). `2.0.4`: 224×224 JPEGs after one of four augmentation levels (until May 2026).
 */
export type ValidatorProtocol = (typeof PROTOCOLS)[number];

/** What the CLI imitates when `--protocol` is not given: what upstream `main` runs. */
export const DEFAULT_PROTOCOL: ValidatorProtocol = '0.4';

/** Parses a `--protocol` value, naming the valid ones when it is none of them. */
export function parseProtocol(value: string, flag = '--protocol'): ValidatorProtocol {
  const found = PROTOCOLS.find((p) => p === value.trim());
  if (found === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid ${flag}: ${value}. Give one of ${PROTOCOLS.join(', ')} (0.4 is what upstream validators run).`,
    );
  }
  return found;
}
