// Reads what an ONNX file declares about itself: its first output's shape, its metadata, its class names.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** What the graph says; dynamic dimensions are `undefined`. */
export interface GraphFacts {
  readonly outputShape: readonly (number | undefined)[];
  /** The model's `metadata_props`, e.g. `input_size` and `normalization` (see `_options.ts`). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Ultralytics exports store `names` as `{0: 'person', 1: 'bicycle'}` in the metadata. */
  readonly labels?: readonly string[];
}

/** Decodes the model's protobuf once (at load, in the main thread) and keeps only the facts we need. */
export function readGraphFacts(bytes: Uint8Array): GraphFacts {
  const model = onnx.ModelProto.decode(bytes);
  const output = model.graph?.output?.[0];
  const dims = output?.type?.tensorType?.shape?.dim ?? [];
  const outputShape = dims.map((d) => {
    const v = d.dimValue;
    const n = typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(v);
    return n > 0 ? n : undefined;
  });
  const metadata: Record<string, string> = {};
  for (const prop of model.metadataProps) if (prop.key) metadata[prop.key] = prop.value ?? '';
  const labels = metadata.names ? parseNames(metadata.names) : undefined;
  return Object.freeze({ outputShape, metadata, ...(labels === undefined ? {} : { labels }) });
}

function parseNames(text: string): string[] | undefined {
  const out: string[] = [];
  for (const match of text.matchAll(/(\d+)\s*:\s*(['"])(.*?)\2/g)) out[Number(match[1])] = match[3]!;
  return out.length > 0 && out.every((n) => typeof n === 'string') ? out : undefined;
}
