// Reads a Keras model topology (functional or sequential, as tfjs saves it) into a list of layers
// with named inputs, keeping only the layers the wanted outputs depend on, in dependency order.
import { RoadworkError } from '../../../core/errors/index.js';

/** One Keras layer with the names of the layers feeding it. */
export interface KerasLayer {
  readonly name: string;
  readonly className: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly inputs: readonly string[];
}

/** The layers an output needs, inputs first, and the model's own output layer names. */
export interface KerasGraph {
  readonly layers: readonly KerasLayer[];
  readonly outputs: readonly string[];
}

interface RawLayer {
  name?: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

/** The whole model as layers in file order, with its declared outputs. */
export function readTopology(topology: Readonly<Record<string, unknown>>): KerasGraph {
  const model = ('model_config' in topology ? topology.model_config : topology) as {
    class_name?: string;
    config?: { layers?: RawLayer[]; output_layers?: unknown[] } | RawLayer[];
  };
  const config = model.config;
  if (model.class_name === 'Sequential')
    return sequential(Array.isArray(config) ? config : (config?.layers ?? []));
  if (config === undefined || Array.isArray(config) || !Array.isArray(config.layers)) {
    throw invalid(`a ${String(model.class_name)} without a layer list`);
  }
  const layers = config.layers.map((l): KerasLayer => {
    const name = l.name ?? (l.config.name as string);
    const nodes = l.inbound_nodes ?? [];
    if (nodes.length > 1) throw invalid(`layer "${name}" is shared (${nodes.length} call sites)`);
    const edges = (nodes[0] ?? []) as unknown[];
    if (!Array.isArray(edges)) throw invalid(`layer "${name}" has inbound nodes in a newer Keras format`);
    return {
      name,
      className: l.class_name,
      config: l.config,
      inputs: edges.map((e) => {
        if (!Array.isArray(e) || typeof e[0] !== 'string')
          throw invalid(`layer "${name}" has an unreadable input`);
        if (e[1] !== 0 || e[2] !== 0) throw invalid(`layer "${name}" reads a second output of "${e[0]}"`);
        return e[0];
      }),
    };
  });
  const outputs = (config.output_layers ?? []).map((o) => (Array.isArray(o) ? String(o[0]) : String(o)));
  return { layers, outputs };
}

/** A Sequential model: each layer feeds the next, the first declares the input shape. */
function sequential(raw: RawLayer[]): KerasGraph {
  const layers: KerasLayer[] = [];
  const first = raw[0];
  if (first === undefined) throw invalid('a Sequential model without layers');
  if (first.class_name !== 'InputLayer') {
    layers.push({
      name: '__input__',
      className: 'InputLayer',
      config: { batch_input_shape: first.config.batch_input_shape },
      inputs: [],
    });
  }
  for (const l of raw) {
    const prev = layers.at(-1);
    layers.push({
      name: l.name ?? (l.config.name as string),
      className: l.class_name,
      config: l.config,
      inputs: prev === undefined ? [] : [prev.name],
    });
  }
  return { layers, outputs: [layers.at(-1)!.name] };
}

/** The error for an embedding layer the model does not have, naming its last layers. */
export function missingLayer(name: string, layerNames: readonly string[]): RoadworkError {
  return new RoadworkError(
    'ERR_CONFIG_INVALID',
    `The tfjs model has no layer: "${name}"; its last layers are ${layerNames.slice(-6).join(', ')}`,
  );
}

/** The layers `outputs` depend on, each after its inputs; a name that is no layer fails naming it. */
export function neededLayers(graph: KerasGraph, outputs: readonly string[]): KerasLayer[] {
  const byName = new Map(graph.layers.map((l) => [l.name, l]));
  const order: KerasLayer[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  // Iterative: InceptionV3 is ~300 layers deep, and a recursive walk of a user model could be deeper.
  for (const out of outputs) {
    const stack: { name: string; expanded: boolean }[] = [{ name: out, expanded: false }];
    while (stack.length > 0) {
      const top = stack.pop()!;
      const layer = byName.get(top.name);
      if (layer === undefined) {
        throw missingLayer(
          top.name,
          graph.layers.map((l) => l.name),
        );
      }
      if (top.expanded) {
        state.set(top.name, 'done');
        order.push(layer);
        continue;
      }
      const seen = state.get(top.name);
      if (seen === 'done') continue;
      if (seen === 'visiting') throw invalid(`layer "${top.name}" is part of a cycle`);
      state.set(top.name, 'visiting');
      stack.push({ name: top.name, expanded: true });
      for (const input of [...layer.inputs].reverse()) {
        if (state.get(input) !== 'done') stack.push({ name: input, expanded: false });
      }
    }
  }
  return order;
}

function invalid(what: string): RoadworkError {
  return new RoadworkError('ERR_MODEL_LOAD', `Cannot read the tfjs model topology: ${what}`);
}
