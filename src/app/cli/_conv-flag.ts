// `roadwork train --model conv --conv CELLS,LAYER[,EPOCHS[,LR]]`: which 1×1 convolution of the
// embedder's own backbone a conv head starts from, and how long it is fine-tuned.
import { RoadworkError } from '../../core/errors/index.js';
import { modelOnlyFlag } from './_model-flag.js';
import type { ModelRef } from '../../inference/runtimes/types.js';
import { loadPointwiseConv } from '../../inference/runtimes/tfjs/index.js';
import type { ConvConfig } from '../../lifecycle/train/index.js';

/** What `--conv` says before the backbone is read. */
export interface ConvFlag {
  readonly cells: number;
  readonly layer: string;
  readonly epochs: number;
  readonly lr: number;
}

export const CONV_DEFAULTS = Object.freeze({ epochs: 3, lr: 1e-4 });

/** `--conv` for `--model conv` (required there, refused elsewhere). */
export function parseConvFlag(model: unknown, raw: unknown): ConvFlag | undefined {
  const usage = `--model conv needs --conv CELLS,LAYER[,EPOCHS[,LR]] (e.g. 49,Conv_1,3,1e-4: 7×7 cells, MobileNetV2's last 1×1 convolution, 3 epochs, Adam step 1e-4)`;
  return modelOnlyFlag('--conv', 'conv', model, raw, usage, (parts) => {
    if (parts.length < 2 || parts.length > 4) return undefined;
    const cells = Number(parts[0]);
    const layer = parts[1]!;
    const epochs = parts[2] === undefined ? CONV_DEFAULTS.epochs : Number(parts[2]);
    const lr = parts[3] === undefined ? CONV_DEFAULTS.lr : Number(parts[3]);
    if (!Number.isInteger(cells) || cells < 1 || !/^[\w/.-]+$/.test(layer)) return undefined;
    if (!Number.isInteger(epochs) || epochs < 0 || !(lr > 0 && Number.isFinite(lr))) return undefined;
    return { cells, layer, epochs, lr };
  });
}

/**
 * The conv head's start: `flag.layer` of the one tfjs embedder, which must embed the layer that
 * convolution reads, cell by cell. Checked before anything is embedded; `checkConvCells` then checks
 * the embedding holds the cells.
 */
export async function convConfig(flag: ConvFlag, embedders: readonly ModelRef[]): Promise<ConvConfig> {
  const [ref] = embedders;
  const options = ref?.options ?? {};
  if (embedders.length !== 1 || ref?.runtime !== 'tfjs' || options.pooling !== 'cells')
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --model conv: it needs one tfjs embedder with "pooling":"cells" (got ${embedders.map((e) => `${e.runtime}:${e.model}`).join(', ')}${options.pooling === undefined ? '' : `, pooling ${String(options.pooling)}`})`,
    );
  const conv = await loadPointwiseConv(ref.model, flag.layer);
  if (options.layer !== conv.input)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --conv: ${flag.layer} reads layer "${conv.input}", but the embedder embeds ${JSON.stringify(options.layer ?? 'its output')}; give --embedder-options '{"layer":"${conv.input}","pooling":"cells",…}'`,
    );
  return {
    spec: { cells: flag.cells, cellDims: conv.cellDims, units: conv.units, pooling: 'max' },
    init: { weights: conv.weights, bias: conv.bias },
    epochs: flag.epochs,
    lr: flag.lr,
  };
}

/**
 * Refuses an embedding of `dims` values that cannot hold `conv`'s cells (plus any extras after them);
 * `convConfig` has checked they are the embedded layer's.
 */
export function checkConvCells(conv: ConvConfig, dims: number): void {
  const { cells, cellDims } = conv.spec;
  if (cells * cellDims > dims)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --conv: ${cells} cells × ${cellDims} values of the embedded layer exceed the embedding's ${dims} dims (MobileNetV2 embeds 49 cells at 224 px, 196 at 448 px)`,
    );
}
