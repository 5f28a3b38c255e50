// The Open Inference Protocol's infer body in both encodings: JSON data, or the binary tensor data
// extension (a JSON header, its length in `Inference-Header-Content-Length`, then raw little-endian bytes).
import { endianness } from 'node:os';
import { RoadworkError } from '../../../core/errors/index.js';

/** One FP32 input tensor to send and the output to ask for. */
export interface InferRequest {
  readonly input: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
  readonly output: string;
}

/** An encoded request: its HTTP headers and body. */
export interface EncodedRequest {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** The header that says how long the JSON part of a binary body is. */
export const HEADER_LENGTH = 'inference-header-content-length';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/** Encodes a request; `binary` sends the tensor as bytes and asks for the output as bytes. */
export function encodeInfer(request: InferRequest, binary: boolean): EncodedRequest {
  const tensor = { name: request.input, shape: request.shape, datatype: 'FP32' };
  if (!binary) {
    const json = {
      inputs: [{ ...tensor, data: Array.from(request.data) }],
      outputs: [{ name: request.output }],
    };
    return { headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(json)) };
  }
  const bytes = leBytes(request.data);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ ...tensor, parameters: { binary_data_size: bytes.length } }],
      outputs: [{ name: request.output, parameters: { binary_data: true } }],
      parameters: { binary_data_output: true },
    }),
  );
  return {
    headers: { 'content-type': 'application/octet-stream', [HEADER_LENGTH]: String(header.length) },
    body: Buffer.concat([header, bytes]),
  };
}

interface OutputTensor {
  name?: unknown;
  datatype?: unknown;
  shape?: unknown;
  data?: unknown;
  parameters?: { binary_data_size?: unknown };
}

/**
 * The named output of an infer response, as FP32 values with its shape; whether the server sent it as
 * JSON or as binary is read from the response, not assumed. ERR_MODEL_OUTPUT when it is malformed.
 */
export function decodeInfer(
  body: Buffer,
  headerLength: string | undefined,
  output: string,
): { readonly shape: number[]; readonly data: Float32Array } {
  const jsonLength = headerLength === undefined ? body.length : Number(headerLength);
  if (!Number.isInteger(jsonLength) || jsonLength < 0 || jsonLength > body.length) {
    throw bad(`${HEADER_LENGTH} is ${String(headerLength)} for a ${body.length}-byte body`);
  }
  let parsed: { outputs?: OutputTensor[] };
  try {
    parsed = JSON.parse(body.toString('utf8', 0, jsonLength)) as { outputs?: OutputTensor[] };
  } catch (err) {
    throw bad('its JSON header does not parse', err);
  }
  let offset = jsonLength;
  for (const tensor of Array.isArray(parsed.outputs) ? parsed.outputs : []) {
    const size = tensor.parameters?.binary_data_size;
    const start = offset;
    if (size !== undefined) {
      if (!Number.isInteger(size) || (size as number) < 0 || start + (size as number) > body.length)
        throw bad(`output ${String(tensor.name)} declares ${String(size)} bytes past the body's end`);
      offset += size as number;
    }
    if (tensor.name !== output) continue;
    const shape = tensor.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
      throw bad(`output ${output} has no valid shape`);
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const data =
      size === undefined
        ? fromJson(tensor.data, output)
        : fromBytes(body, start, size as number, tensor, output);
    if (data.length !== count)
      throw bad(`output ${output} holds ${data.length} values for shape [${shape.join(', ')}]`);
    return { shape: shape as number[], data };
  }
  throw bad(`it has no output named ${output}`);
}

function fromJson(data: unknown, output: string): Float32Array {
  const flat = Array.isArray(data) ? data.flat(Infinity) : undefined;
  if (flat === undefined || !flat.every((v) => typeof v === 'number'))
    throw bad(`output ${output} has no numeric data`);
  return Float32Array.from(flat as number[]);
}

function fromBytes(
  body: Buffer,
  start: number,
  size: number,
  tensor: OutputTensor,
  output: string,
): Float32Array {
  if (tensor.datatype !== 'FP32') throw bad(`output ${output} is ${String(tensor.datatype)}, not FP32`);
  if (size % 4 !== 0) throw bad(`output ${output} has ${size} bytes, not whole FP32 values`);
  const out = new Float32Array(size / 4);
  if (LITTLE_ENDIAN_HOST) {
    // Copied: the body's offset need not be 4-byte aligned for a Float32Array view.
    new Uint8Array(out.buffer).set(body.subarray(start, start + size));
  } else {
    const view = new DataView(body.buffer, body.byteOffset + start, size);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

function leBytes(data: Float32Array): Buffer {
  if (LITTLE_ENDIAN_HOST) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = Buffer.alloc(data.byteLength);
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i]!, i * 4);
  return out;
}

function bad(what: string, cause?: unknown): RoadworkError {
  return new RoadworkError(
    'ERR_MODEL_OUTPUT',
    `KServe infer response is malformed: ${what}; check that the server speaks the v2 protocol.`,
    cause === undefined ? undefined : { cause },
  );
}
