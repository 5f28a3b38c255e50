/** `--protocol` and `--synthetic-data`: which validator generation eval, challenges and start imitate. */
import type { Command } from 'commander';
import { openImageData } from '../../validation/eval/index.js';
import {
  DEFAULT_PROTOCOL,
  PROTOCOLS,
  parseProtocol,
  type ValidatorProtocol,
} from '../../wire/protocol/index.js';
import { type LabelledImageSource } from '../../data/sources/index.js';

/** What the two flags resolve to. */
export interface ProtocolChoice {
  readonly protocol: ValidatorProtocol;
  /** 0.4's synthetic pool when `--synthetic-data` names one; else the caller's default. */
  readonly synthetic?: LabelledImageSource;
}

/** Adds `--protocol` and `--synthetic-data` to `command`. */
export function addProtocolOptions(command: Command): Command {
  return command
    .option(
      '--protocol <version>',
      `validator generation to imitate: ${PROTOCOLS.join(' or ')} (0.4: source-size JPEGs, no augmentation, real/synthetic/api thirds; 2.0.4: 224×224 after four augmentation levels)`,
      DEFAULT_PROTOCOL,
    )
    .option(
      '--synthetic-data <dir>',
      "0.4's synthetic third: generated images (pos/ neg/ or manifest.csv, e.g. from roadwork data generate) or synth[:N] (default: 200 procedural scenes at 1024×1024)",
    );
}

/** Reads the two flags; `--synthetic-data` is opened only when given. */
export async function protocolFrom(opts: Record<string, unknown>): Promise<ProtocolChoice> {
  const protocol = parseProtocol(String(opts.protocol ?? DEFAULT_PROTOCOL));
  const spec = opts.syntheticData;
  return typeof spec === 'string' ? { protocol, synthetic: await openImageData(spec) } : { protocol };
}
