// The infer body codec on crafted bodies: outputs found past other binary outputs, JSON and binary
// mixed, and malformed answers refused with ERR_MODEL_OUTPUT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../../core/errors/index.js';
import { HEADER_LENGTH, decodeInfer, encodeInfer } from './_tensors.js';

function binaryBody(outputs: { name: string; shape: number[]; values?: number[]; data?: number[] }[]): {
  body: Buffer;
  length: string;
} {
  const parts: Buffer[] = [];
  const header = outputs.map((o) => {
    if (o.data !== undefined) return { name: o.name, datatype: 'FP32', shape: o.shape, data: o.data };
    const bytes = Buffer.from(Float32Array.from(o.values!).buffer);
    parts.push(bytes);
    return { name: o.name, datatype: 'FP32', shape: o.shape, parameters: { binary_data_size: bytes.length } };
  });
  const json = Buffer.from(JSON.stringify({ outputs: header }));
  return { body: Buffer.concat([json, ...parts]), length: String(json.length) };
}

test('decodeInfer() finds the asked output after another binary one and beside a JSON one', () => {
  const { body, length } = binaryBody([
    { name: 'logits', shape: [1, 3], values: [9, 9, 9] },
    { name: 'extra', shape: [1, 1], data: [7] },
    { name: 'embedding', shape: [2, 2], values: [0.5, -1.25, 3, 4.75] },
  ]);
  const out = decodeInfer(body, length, 'embedding');
  assert.deepEqual(out.shape, [2, 2]);
  assert.deepEqual(Array.from(out.data), [0.5, -1.25, 3, 4.75]);
  assert.deepEqual(Array.from(decodeInfer(body, length, 'extra').data), [7]);
});

test('encodeInfer() writes the header length and the raw FP32 bytes after the JSON header', () => {
  const data = Float32Array.from([1.5, -2, 0.25]);
  const { headers, body } = encodeInfer({ input: 'x', shape: [1, 3], data, output: 'y' }, true);
  const length = Number(headers[HEADER_LENGTH]);
  const header = JSON.parse(body.toString('utf8', 0, length)) as {
    inputs: { parameters: { binary_data_size: number } }[];
    parameters: { binary_data_output: boolean };
  };
  assert.equal(header.inputs[0]!.parameters.binary_data_size, 12);
  assert.equal(header.parameters.binary_data_output, true);
  assert.deepEqual(
    [0, 1, 2].map((i) => body.readFloatLE(length + 4 * i)),
    [1.5, -2, 0.25],
  );
  const json = encodeInfer({ input: 'x', shape: [1, 3], data, output: 'y' }, false);
  assert.equal(json.headers[HEADER_LENGTH], undefined);
  assert.deepEqual(
    (JSON.parse(json.body.toString()) as { inputs: { data: number[] }[] }).inputs[0]!.data,
    [1.5, -2, 0.25],
  );
});

test('decodeInfer() refuses malformed answers with ERR_MODEL_OUTPUT', () => {
  const { body, length } = binaryBody([{ name: 'y', shape: [1, 2], values: [1, 2] }]);
  const refused = (fn: () => unknown, text: RegExp) =>
    assert.throws(
      fn,
      (err: unknown) => isRoadworkError(err, 'ERR_MODEL_OUTPUT') && text.test((err as Error).message),
    );
  refused(() => decodeInfer(body, String(body.length + 1), 'y'), /inference-header-content-length/);
  refused(() => decodeInfer(body, length, 'z'), /no output named z/);
  refused(() => decodeInfer(body.subarray(0, body.length - 4), length, 'y'), /past the body's end/);
  const wrongShape = binaryBody([{ name: 'y', shape: [1, 3], values: [1, 2] }]);
  refused(() => decodeInfer(wrongShape.body, wrongShape.length, 'y'), /holds 2 values for shape \[1, 3\]/);
  refused(
    () =>
      decodeInfer(Buffer.from('{"outputs": [{"name": "y", "shape": [1], "data": ["a"]}]}'), undefined, 'y'),
    /no numeric data/,
  );
});
