// `roadwork train`'s flags that shape the head: its type, L2, width, the columns it reads and what
// is taken from them. Read before anything is embedded; `checkHeadFit` checks them against the
// embedding once its width is known.
import { RoadworkError } from '../../core/errors/index.js';
import { convTail, type MilSpec } from '../../inference/heads/index.js';
import type { ColumnL2, ConvConfig, TreesShape } from '../../lifecycle/train/index.js';
import { countFlag, numberListFlag } from './_number-flag.js';
import { checkConvCells, parseConvFlag, type ConvFlag } from './_conv-flag.js';
import { modelOnlyFlag } from './_model-flag.js';

export type HeadModel = 'logistic' | 'mlp' | 'mil' | 'conv' | 'trees';

/** `--trees` when `--model trees` is given without it: 200 trees of depth 3 at rate 0.1. */
export const TREES_DEFAULT = '200,3,0.1';

/**
 * `--l2` when it is not given: the strengths grouped CV chooses from. A trees head's `--l2` is its
 * leaves' (a Newton step's denominator, summed over a leaf's class-balanced rows), a larger scale
 * than the dense heads' weight decay.
 */
export const L2_DEFAULT: Readonly<Record<'dense' | 'trees', string>> = {
  dense: '0.003,0.01,0.03,0.1',
  trees: '0.3,1,3,10',
};

/**
 * The head flags, read and checked: everything but `conv` under `trainHead`'s own names, so they are
 * handed on as they are; `conv` is what `--conv` says before the backbone is read (`convConfig`).
 */
export interface HeadFlags {
  readonly model: HeadModel;
  readonly l2: number[];
  readonly hidden: number;
  readonly maxIter: number;
  readonly restarts: number;
  readonly earlyStop: boolean;
  readonly columns?: [number, number];
  readonly columnL2?: ColumnL2[];
  readonly styleNull?: number;
  readonly mil?: MilSpec;
  readonly conv?: ConvFlag;
  readonly trees?: TreesShape;
}

/**
 * Reads `--model`, `--l2`, `--hidden`, `--max-iter`, `--restarts`, `--no-early-stop`, `--columns`,
 * `--column-l2`, `--style-null`, `--mil`, `--conv` and `--trees`.
 */
export function headFlags(opts: Record<string, unknown>): HeadFlags {
  const model = opts.model as HeadModel;
  const columns = parseColumns(opts.columns);
  const columnL2 = parseColumnL2(opts.columnL2, model);
  const styleNull = parseStyleNull(opts.styleNull, model);
  const mil = parseMil(model, opts.mil);
  const conv = parseConvFlag(model, opts.conv);
  const trees = parseTrees(model, opts.trees);
  const restarts = countFlag(opts.restarts ?? '1', '--restarts', { example: '4' });
  const earlyStop = opts.earlyStop !== false;
  const l2Grid = L2_DEFAULT[model === 'trees' ? 'trees' : 'dense'];
  if (model !== 'mlp' && (restarts > 1 || !earlyStop))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid ${restarts > 1 ? `--restarts ${String(opts.restarts)}` : '--no-early-stop'} with --model ${model}: only an mlp head has random starting weights and early stopping`,
    );
  if ((model === 'conv' || model === 'mil') && columns !== undefined)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --columns with --model ${model}: ${String(opts.columns)}; a ${model} head reads the whole embedding`,
    );
  return {
    model,
    l2: numberListFlag(opts.l2 ?? l2Grid, '--l2', { min: 0, example: l2Grid }),
    hidden: countFlag(opts.hidden, '--hidden', { example: '32' }),
    maxIter: countFlag(opts.maxIter, '--max-iter', { example: '300' }),
    restarts,
    earlyStop,
    ...(columns === undefined ? {} : { columns }),
    ...(columnL2 === undefined ? {} : { columnL2 }),
    ...(styleNull === undefined ? {} : { styleNull }),
    ...(mil === undefined ? {} : { mil }),
    ...(conv === undefined ? {} : { conv }),
    ...(trees === undefined ? {} : { trees }),
  };
}

/**
 * The head flags against the embedding's width (`dims`), once it is known: a mil or conv head's cells
 * must fit in it, and a column range past the end of what the head reads (a conv head's output layer
 * reads its units, then the columns after the cells) would otherwise be cut short, or scale nothing,
 * without a word.
 */
export function checkHeadFit(
  opts: Record<string, unknown>,
  flags: HeadFlags,
  dims: number,
  conv?: ConvConfig,
): void {
  const { mil, columns, columnL2 } = flags;
  if (conv !== undefined) checkConvCells(conv, dims);
  const outputWidth = conv ? conv.spec.units + convTail(conv.spec, dims) : dims;
  if (mil !== undefined && mil.cells * mil.cellDims > dims)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --mil: ${String(opts.mil)}; ${mil.cells} cells × ${mil.cellDims} values exceed the embedding's ${dims} dims (is the embedder's pooling "cells"?)`,
    );
  if (columns !== undefined && columns[1] > outputWidth)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --columns: ${String(opts.columns)}; the embedding has ${outputWidth} columns (0:${outputWidth})`,
    );
  const width = columns === undefined ? outputWidth : columns[1] - columns[0];
  const past = columnL2?.find((range) => range.to > width);
  if (past !== undefined)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --column-l2: ${String(opts.columnL2)}; ${past.from}:${past.to} runs past the ${width} columns the head sees` +
        (columns === undefined ? ` (the embedding's)` : ` (those --columns keeps, counted from 0)`),
    );
}

/**
 * What `--style-null` will remove, given the directions the data's cameras span (`styleRoom`); refuses
 * data with one camera per label, where it would remove nothing without a word.
 */
export function styleNullLine(k: number, room: number): string {
  if (room === 0)
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --style-null: ${k}; every label's photos come from one camera (manifest group), so no direction tells cameras apart. Give manifest groups per camera, or drop the flag`,
    );
  return `style nullspace: removing ${Math.min(k, room)} direction(s) along which cameras differ inside one label (the cameras span ${room})`;
}

/** `START:END` with START < END, as `--columns` and each `--column-l2` range write it; else undefined. */
function columnRange(text: string): [number, number] | undefined {
  const m = /^(\d+):(\d+)$/.exec(text);
  return m === null || Number(m[1]) >= Number(m[2]) ? undefined : [Number(m[1]), Number(m[2])];
}

function parseColumns(value: unknown): [number, number] | undefined {
  if (value === undefined) return undefined;
  const range = columnRange(String(value));
  if (range === undefined) {
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid --columns: ${String(value)}; write START:END with START < END`,
    );
  }
  return range;
}

/** Why a per-input flag means nothing to a head type. */
const NO_INPUT_WEIGHTS: Readonly<Record<string, string>> = {
  mil: 'share their weights across cells',
  conv: 'share their weights across cells',
  trees: 'split on raw values and have no input weights',
};

/** Refuses a per-input flag with a `--model` of `models` (`NO_INPUT_WEIGHTS` says why). */
function refuseFor(models: readonly string[], flag: string, value: unknown, model: unknown): void {
  if (models.includes(String(model)))
    throw new RoadworkError(
      'ERR_CONFIG_INVALID',
      `Invalid ${flag}: ${String(value)}; ${String(model)} heads ${NO_INPUT_WEIGHTS[String(model)]!}; use it with logistic or mlp`,
    );
}

/** `--column-l2`: `START:END=FACTOR` ranges, comma-separated. */
function parseColumnL2(value: unknown, model: unknown): ColumnL2[] | undefined {
  if (value === undefined) return undefined;
  const bad = (why: string): never => {
    throw new RoadworkError('ERR_CONFIG_INVALID', `Invalid --column-l2: ${String(value)}; ${why}`);
  };
  // A conv head scales the L2 of its output layer's input: the pool's channels, then the tail.
  refuseFor(['mil', 'trees'], '--column-l2', value, model);
  return String(value)
    .split(',')
    .map((part) => {
      const m = /^(\d+:\d+)=([0-9.eE+-]+)$/.exec(part.trim());
      const range = m === null ? undefined : columnRange(m[1]!);
      const factor = Number(m?.[2]);
      if (range === undefined || !(factor >= 0 && Number.isFinite(factor)))
        return bad('write START:END=FACTOR[,…] with START < END and a factor ≥ 0, e.g. 0:1280=10');
      return { from: range[0], to: range[1], factor };
    });
}

/** `--style-null`: how many style directions to remove, for logistic and MLP heads. */
function parseStyleNull(value: unknown, model: unknown): number | undefined {
  if (value === undefined) return undefined;
  refuseFor(['mil', 'conv', 'trees'], '--style-null', value, model);
  return countFlag(value, '--style-null', { example: '8' });
}

/** `--mil cells,dims,pool` for `--model mil` (required there, refused elsewhere). */
function parseMil(model: unknown, raw: unknown): MilSpec | undefined {
  const usage = '--model mil needs --mil CELLS,DIMS,POOL (POOL: max or a positive number, e.g. 49,1280,4)';
  return modelOnlyFlag('--mil', 'mil', model, raw, usage, (parts): MilSpec | undefined => {
    if (parts.length !== 3) return undefined;
    const [cells, cellDims] = parts.slice(0, 2).map(Number) as [number, number];
    if (!Number.isInteger(cells) || cells < 1 || !Number.isInteger(cellDims) || cellDims < 1)
      return undefined;
    if (parts[2] === 'max') return { cells, cellDims, pooling: 'max' };
    const sharpness = Number(parts[2]);
    return sharpness > 0 && Number.isFinite(sharpness)
      ? { cells, cellDims, pooling: 'lse', sharpness }
      : undefined;
  });
}

/**
 * `--trees COUNT,DEPTH[,RATE]` for `--model trees` (`TREES_DEFAULT` when absent there, refused
 * elsewhere): 1–10000 trees of depth 1–8, at a learning rate in (0, 1] (default 0.1).
 */
function parseTrees(model: unknown, raw: unknown): TreesShape | undefined {
  const usage = `--model trees takes --trees COUNT,DEPTH[,RATE]: 1–10000 trees of depth 1–8 at a rate in (0, 1], e.g. ${TREES_DEFAULT}`;
  const given = model === 'trees' ? (raw ?? TREES_DEFAULT) : raw;
  return modelOnlyFlag('--trees', 'trees', model, given, usage, (parts): TreesShape | undefined => {
    if (parts.length < 2 || parts.length > 3) return undefined;
    const [count, depth, rate] = [Number(parts[0]), Number(parts[1]), Number(parts[2] ?? '0.1')];
    const within = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
    if (!within(count, 1, 10000) || !within(depth, 1, 8) || !(rate > 0 && rate <= 1)) return undefined;
    return { count, depth, rate };
  });
}
