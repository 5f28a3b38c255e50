// Checks a served model's v2 metadata against what a stage sends (one NCHW FP32 image tensor) and reads.
import { RoadworkError } from '../../../core/errors/index.js';

/** A tensor as the v2 metadata describes it; `-1` is a dynamic dimension. */
export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
}

/** `GET /v2/models/{name}[/versions/{v}]`. */
export interface ModelMetadata {
  readonly name: string;
  readonly versions?: readonly string[];
  readonly platform?: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

/** What the stage will send and read, settled at load. */
export interface Signature {
  readonly input: string;
  readonly output: string;
  /** Side of the square image input. */
  readonly size: number;
  /** Images per request: `undefined` when the batch axis is dynamic; 1 for a fixed batch of one. */
  readonly fixedBatch?: 1;
  /** The output's dimensions after the batch axis (`-1` where dynamic). */
  readonly outputShape: readonly number[];
}

/** Parses the metadata JSON; ERR_MODEL_SIGNATURE when it lacks the tensors' names, types or shapes. */
export function readMetadata(raw: unknown, model: string): ModelMetadata {
  const m = raw as Partial<ModelMetadata> | null;
  const tensors = (list: unknown): list is TensorMetadata[] =>
    Array.isArray(list) &&
    list.every(
      (t: Partial<TensorMetadata>) =>
        typeof t?.name === 'string' &&
        typeof t.datatype === 'string' &&
        Array.isArray(t.shape) &&
        t.shape.every((d) => Number.isInteger(d)),
    );
  if (m === null || typeof m !== 'object' || !tensors(m.inputs) || !tensors(m.outputs)) {
    throw mismatch(
      model,
      'its metadata has no inputs and outputs with name, datatype and shape',
      'check the server',
    );
  }
  return m as ModelMetadata;
}

/**
 * Picks the input (the named one, or the only one) and the output (the named one, or the first) and
 * checks them: FP32, input `[N, 3, S, S]` with S the stage's size, output one value per image for a
 * classifier. Settles the size when the stage gives none (the metadata's, else 224).
 */
export function checkSignature(
  meta: ModelMetadata,
  want: {
    readonly input?: string;
    readonly output?: string;
    readonly size?: number;
    readonly classifier: boolean;
  },
): Signature {
  const model = meta.name;
  const input = pick(meta.inputs, want.input, 'input', model, true);
  const output = pick(meta.outputs, want.output, 'output', model, false);
  for (const t of [input, output]) {
    if (t.datatype !== 'FP32') throw mismatch(model, `${t.name} is ${t.datatype}`, 'serve an FP32 tensor');
  }
  const [n, c, h, w] = input.shape;
  if (input.shape.length !== 4 || c !== 3) {
    throw mismatch(
      model,
      `input ${input.name} has shape [${input.shape.join(', ')}]`,
      'serve an NCHW [N, 3, H, W] input',
    );
  }
  const fixed = [h!, w!].filter((d) => d > 0);
  const size = want.size ?? (fixed.length === 2 && h === w ? h! : 224);
  if (fixed.some((d) => d !== size)) {
    throw mismatch(
      model,
      `input ${input.name} takes [${input.shape.join(', ')}], the stage sends ${size}×${size}`,
      'set the size option to the served one',
    );
  }
  if (n! > 1) {
    throw mismatch(
      model,
      `input ${input.name} has a fixed batch of ${n}`,
      'serve a dynamic batch axis (-1) or a batch of 1',
    );
  }
  const outputShape = output.shape.slice(1);
  const perImage = outputShape.every((d) => d > 0) ? outputShape.reduce((a, b) => a * b, 1) : undefined;
  if (want.classifier && perImage !== undefined && perImage !== 1) {
    throw mismatch(
      model,
      `output ${output.name} has shape [${output.shape.join(', ')}]`,
      'serve one probability per image',
    );
  }
  if (!want.classifier && output.shape.length !== 2 && output.shape.length !== 3) {
    throw mismatch(
      model,
      `output ${output.name} has shape [${output.shape.join(', ')}]`,
      'serve [N, D] or [N, T, D]',
    );
  }
  return Object.freeze({
    input: input.name,
    output: output.name,
    size,
    ...(n === 1 ? { fixedBatch: 1 as const } : {}),
    outputShape,
  });
}

function pick(
  list: readonly TensorMetadata[],
  name: string | undefined,
  what: 'input' | 'output',
  model: string,
  onlyOne: boolean,
): TensorMetadata {
  const names = list.map((t) => t.name).join(', ') || '(none)';
  if (name !== undefined) {
    const found = list.find((t) => t.name === name);
    if (found === undefined)
      throw mismatch(
        model,
        `it has no ${what} ${name} (it has ${names})`,
        `set the ${what} option to one of them`,
      );
    return found;
  }
  if (list.length === 0 || (onlyOne && list.length > 1)) {
    throw mismatch(model, `it has ${list.length} ${what}s (${names})`, `set the ${what} option`);
  }
  return list[0]!;
}

function mismatch(model: string, what: string, fix: string): RoadworkError {
  return new RoadworkError(
    'ERR_MODEL_SIGNATURE',
    `Served model ${model} does not fit the stage: ${what}; ${fix}.`,
  );
}
