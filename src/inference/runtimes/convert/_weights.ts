// Decodes a tfjs weights manifest (float32, or uint8/uint16/float16-quantized) into float arrays by name.
import { RoadworkError } from '../../../core/errors/index.js';

/** One entry of a tfjs `weightsManifest[].weights` list. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly quantization?: { readonly dtype: string; readonly min?: number; readonly scale?: number };
}

/** A decoded weight: its shape and float32 values in row-major (Keras) order. */
export interface Weight {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

const BYTES: Readonly<Record<string, number>> = Object.freeze({
  float32: 4,
  uint8: 1,
  uint16: 2,
  float16: 2,
});

/**
 * Every weight of the manifest, decoded the way tfjs decodes it (`v * scale + min` in double, then
 * stored as float32), so the ONNX graph holds bit-identical weights.
 */
export function decodeWeights(specs: readonly WeightSpec[], data: ArrayBuffer): Map<string, Weight> {
  const out = new Map<string, Weight>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const stored = spec.quantization?.dtype ?? spec.dtype;
    const size = BYTES[stored];
    if (spec.dtype !== 'float32' || size === undefined) {
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `Cannot convert a tfjs weight of type ${spec.dtype}/${stored}: ${spec.name}; only float32 weights (plain or uint8/uint16/float16-quantized) convert`,
      );
    }
    const bytes = count * size;
    if (offset + bytes > data.byteLength) {
      throw new RoadworkError(
        'ERR_MODEL_LOAD',
        `The tfjs weight shards end before weight ${spec.name}: ${data.byteLength} bytes; the model folder is incomplete`,
      );
    }
    // Copied: a Float32Array view needs 4-byte alignment, which quantized neighbours do not keep.
    const raw = data.slice(offset, offset + bytes);
    offset += bytes;
    out.set(spec.name, { shape: [...spec.shape], values: dequantize(raw, stored, spec) });
  }
  return out;
}

function dequantize(raw: ArrayBuffer, stored: string, spec: WeightSpec): Float32Array {
  if (stored === 'float32') return new Float32Array(raw);
  if (stored === 'float16') return Float32Array.from(new Uint16Array(raw), halfToFloat);
  const { min, scale } = spec.quantization ?? {};
  if (typeof min !== 'number' || typeof scale !== 'number') {
    throw new RoadworkError(
      'ERR_MODEL_LOAD',
      `The quantized tfjs weight ${spec.name} has no min and scale: ${JSON.stringify(spec.quantization)}`,
    );
  }
  const q = stored === 'uint8' ? new Uint8Array(raw) : new Uint16Array(raw);
  const values = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) values[i] = q[i]! * scale + min;
  return values;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
