// The MLP objective's hidden layer on a WebAssembly SIMD kernel (`_mlp-kernel.wat`): the forward pass
// with two units a lane pair, the input-weight gradient with two columns a lane pair. Each lane is one
// of the JavaScript loops' sums in the same order, with no fused multiply-add, so the results are the
// same bit for bit (`dense-loss.test.ts`). The rows are copied into the kernel's memory once.
import { MLP_KERNEL_WASM } from './_mlp-kernel.wasm.js';

/** Rows a kernel call covers: small enough that its rows stay in cache, even (the forward pairs rows). */
const BLOCK = 16;
/** A wasm32 memory holds at most 65 536 pages of 64 KiB. */
const MAX_PAGES = 65_536;

interface Exports {
  forward(
    xs: number,
    wt: number,
    b1: number,
    a: number,
    r0: number,
    r1: number,
    d: number,
    dp: number,
    hp: number,
  ): void;
  backward(
    xs: number,
    k: number,
    g: number,
    idx: number,
    r0: number,
    r1: number,
    h: number,
    dp: number,
    hp: number,
  ): void;
}

/** What this file uses of the WebAssembly global (Node's types for version 20 do not declare it). */
interface Memory {
  readonly buffer: ArrayBuffer;
}
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number }) => Memory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: { env: { memory: Memory } }) => { exports: unknown };
};

/**
 * The MLP's hidden layer over every row: the forward pass and the input weights' gradient, the
 * objective's heavy loops. `_dense-loss.ts`' `hiddenLayer` gives this kernel's where its memory can be
 * had, else `blockedHiddenLayer` (JavaScript); both equal the row-at-a-time sums.
 */
export interface HiddenLayer {
  /** Elements a row takes in `forward`'s activations and in `factors` (at least `hidden`). */
  readonly stride: number;
  /** Each row's ReLU activations at the weights (row r's at r·stride), from the bias up in column order. */
  forward(w: Float64Array): Float64Array;
  /** Each row's factor per hidden unit (row r's at r·stride, 0 where it adds nothing): fill before `backward`. */
  readonly factors: Float64Array;
  /** Sets the input weights' part of `g` (the first hidden·cols) to Σ_r factors[r][j] · row r, rows in order. */
  backward(g: Float64Array): void;
}

/**
 * The hidden layer of an MLP over `rows` rows of `cols` columns (`xs`, row-major) with `hidden`
 * units, on the kernel; undefined when its memory cannot be had (more than wasm32's 4 GiB, or the
 * engine refuses), so the caller falls back to JavaScript.
 */
export function kernelLayer(
  xs: Float64Array,
  rows: number,
  cols: number,
  hidden: number,
): HiddenLayer | undefined {
  const [d, dp, hp] = [cols, cols + (cols % 2), Math.ceil(hidden / 8) * 8];
  const padded = rows + (rows % 2);
  // Byte offsets, in f64 elements first: every region starts on a 16-byte boundary.
  const at = { xs: 0, wt: 0, b1: 0, a: 0, k: 0, g: 0, idx: 0 };
  let end = 0;
  const region = (name: keyof typeof at, elements: number) => {
    at[name] = end * 8;
    end += elements + (elements % 2);
  };
  region('xs', (padded + 1) * dp);
  region('wt', dp * hp);
  region('b1', hp);
  region('a', padded * hp);
  region('k', rows * hp);
  region('g', hidden * dp);
  region('idx', BLOCK);
  const pages = Math.ceil((end * 8) / 65_536);
  if (pages > MAX_PAGES) return undefined;
  let memory: Memory;
  try {
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  } catch {
    return undefined;
  }
  const module = new WebAssembly.Module(Buffer.from(MLP_KERNEL_WASM, 'base64'));
  const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports as Exports;
  const f64 = (name: keyof typeof at, length: number) => new Float64Array(memory.buffer, at[name], length);
  const mem = {
    xs: f64('xs', padded * dp),
    wt: f64('wt', dp * hp),
    b1: f64('b1', hp),
    a: f64('a', padded * hp),
    k: f64('k', rows * hp),
    g: f64('g', hidden * dp),
  };
  for (let r = 0; r < rows; r++) mem.xs.set(xs.subarray(r * d, (r + 1) * d), r * dp);
  const nW1 = hidden * d;
  return {
    stride: hp,
    factors: mem.k,
    forward(w) {
      for (let j = 0; j < hidden; j++) {
        for (let c = 0; c < d; c++) mem.wt[c * hp + j] = w[j * d + c]!;
        mem.b1[j] = w[nW1 + j]!;
      }
      for (let r0 = 0; r0 < padded; r0 += BLOCK) {
        kernel.forward(at.xs, at.wt, at.b1, at.a, r0, Math.min(padded, r0 + BLOCK), d, dp, hp);
      }
      return mem.a;
    },
    backward(g) {
      mem.g.fill(0);
      for (let r0 = 0; r0 < rows; r0 += BLOCK) {
        kernel.backward(at.xs, at.k, at.g, at.idx, r0, Math.min(rows, r0 + BLOCK), hidden, dp, hp);
      }
      for (let j = 0; j < hidden; j++) g.set(mem.g.subarray(j * dp, j * dp + d), j * d);
    },
  };
}
