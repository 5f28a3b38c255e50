// A small ONNX graph builder over onnx-proto: nodes, float initializers, unique names, encoding.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

/** Attribute values a node may carry: ints, floats, strings and lists of ints. */
export type AttributeValue = number | readonly number[] | string | { readonly float: number };

/** The opset the converter writes: every op it emits has had its current form since 13. */
export const OPSET = 13;

/** Collects nodes and initializers; `encode` writes the model with one float input and output. */
export class GraphBuilder {
  readonly #nodes: NodeProto[] = [];
  readonly #initializers: TensorProto[] = [];
  readonly #names = new Set<string>();

  /** A value name not used yet, derived from `base`. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.#names.has(name); i++) name = `${base}_${i}`;
    this.#names.add(name);
    return name;
  }

  /** Adds a node; returns its (single) output name. */
  node(
    op: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeValue> = {},
    name = op,
  ): string {
    const output = this.unique(name);
    this.#nodes.push({
      opType: op,
      name: output,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([key, v]) => attribute(key, v)),
    });
    return output;
  }

  /** Adds a float32 initializer (raw little-endian bytes: large weights encode fast); returns its name. */
  floats(name: string, dims: readonly number[], values: Float32Array): string {
    const unique = this.unique(name);
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.#initializers.push({
      name: unique,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: bytes,
    });
    return unique;
  }

  /** Adds an int64 initializer; returns its name. */
  int64s(name: string, values: readonly number[]): string {
    const unique = this.unique(name);
    this.#initializers.push({
      name: unique,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      int64Data: [...values],
    });
    return unique;
  }

  /** The serialised model: input `[N, ...inputDims]`, output `[N, outputDims]`, both float32. */
  encode(o: {
    input: string;
    inputDims: readonly number[];
    output: string;
    outputDims: number;
    producer: string;
    metadata?: Readonly<Record<string, string>>;
  }): Uint8Array {
    const final = this.node('Identity', [o.output], {}, 'embedding');
    return this.encodeGraph({
      inputs: [{ name: o.input, dims: ['N', ...o.inputDims] }],
      outputs: [{ name: final, dims: ['N', o.outputDims] }],
      producer: o.producer,
      ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
    });
  }

  /**
   * The serialised model with any float32 inputs and outputs; a string dimension is dynamic (named).
   * Inputs are values the nodes read that no node writes; outputs are node outputs.
   */
  encodeGraph(o: {
    inputs: readonly { readonly name: string; readonly dims: readonly (number | string)[] }[];
    outputs: readonly { readonly name: string; readonly dims: readonly (number | string)[] }[];
    producer: string;
    metadata?: Readonly<Record<string, string>>;
  }): Uint8Array {
    const info = (v: { readonly name: string; readonly dims: readonly (number | string)[] }) => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    return onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: onnx.Version.IR_VERSION_2020_5_8,
        producerName: o.producer,
        opsetImport: [{ domain: '', version: OPSET }],
        metadataProps: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
        graph: {
          name: 'converted',
          node: this.#nodes,
          initializer: this.#initializers,
          input: o.inputs.map(info),
          output: o.outputs.map(info),
        },
      }),
    ).finish();
  }
}

function attribute(name: string, v: AttributeValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (isInts(v)) return { name, type: T.INTS, ints: [...v] };
  return { name, type: T.FLOAT, f: v.float };
}

function isInts(v: readonly number[] | { readonly float: number }): v is readonly number[] {
  return Array.isArray(v);
}
