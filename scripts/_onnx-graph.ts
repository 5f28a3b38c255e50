// Small helpers for writing ONNX graphs in code with onnx-proto (protobuf messages, opset 13); the
// baseline model (_baseline-model.ts) is written with them.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The onnx-proto node type, re-exported for graph builders. */
export type NodeProto = onnxProto.onnx.INodeProto;
/** The onnx-proto tensor type. */
export type TensorProto = onnxProto.onnx.ITensorProto;

/** Opset used by every graph built here: attributes (not inputs) for Reduce* axes. */
export const OPSET = 13;

type Attr = number | readonly number[] | string;

/** One graph node; integer-valued numbers become INT(S) attributes, others FLOAT(S). */
export function node(
  op: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attrs: Record<string, Attr> = {},
  floatAttrs: readonly string[] = [],
): NodeProto {
  const attribute = Object.entries(attrs).map(([name, value]) => {
    const isFloat = floatAttrs.includes(name);
    if (typeof value === 'string') {
      return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) };
    }
    if (typeof value === 'number') {
      return isFloat
        ? { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value }
        : { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
    }
    return isFloat
      ? { name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: [...value] }
      : { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...value] };
  });
  return { opType: op, input: [...inputs], output: [...outputs], name: `${op}_${outputs[0]}`, attribute };
}

/** A float32 initializer. */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count)
    throw new Error(`Tensor ${name} has ${values.length} values: expected ${count} for [${dims}].`);
  return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(values) };
}

/** An int64 initializer (shapes for Reshape). */
export function int64Tensor(name: string, values: readonly number[]): TensorProto {
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: [...values] };
}

/** A float32 graph input or output with symbolic names for dynamic dimensions. */
function valueInfo(name: string, dims: readonly (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** What `encodeModel` needs. */
export interface GraphSpec {
  readonly name: string;
  readonly nodes: readonly NodeProto[];
  readonly initializers: readonly TensorProto[];
  readonly input: { readonly name: string; readonly dims: readonly (number | string)[] };
  readonly output: { readonly name: string; readonly dims: readonly (number | string)[] };
  /** Stored as the model's `metadata_props` (string values). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Serialises a graph to `.onnx` bytes. */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: onnx.Version.IR_VERSION_2020_5_8,
    producerName: 'roadwork-miner',
    opsetImport: [{ domain: '', version: OPSET }],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: spec.name,
      node: [...spec.nodes],
      initializer: [...spec.initializers],
      input: [valueInfo(spec.input.name, spec.input.dims)],
      output: [valueInfo(spec.output.name, spec.output.dims)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
