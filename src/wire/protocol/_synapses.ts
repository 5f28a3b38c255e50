// The synapse registry (as data) and Bittensor's body hash.
import { createHash } from 'node:crypto';
import { pyStr, type PyKind } from './_python.js';

/** One field a synapse class declares, in class order, with its pydantic default. */
export interface SynapseField {
  readonly name: string;
  readonly kind: PyKind;
  readonly default: unknown;
}

/** What the protocol needs to know about one synapse class. */
export interface SynapseSpec {
  /** Fields hashed into `computed_body_hash` (Python `required_hash_fields`), in order. */
  readonly requiredHashFields: readonly string[];
  /** The subclass's own fields after the base `Synapse` fields, in declaration order. */
  readonly fields: readonly SynapseField[];
}

const IMAGE_FIELDS: readonly SynapseField[] = Object.freeze([
  { name: 'testnet_label', kind: 'int', default: -1 },
  { name: 'image', kind: 'str', default: '' },
  { name: 'prediction', kind: 'float', default: -1.0 },
]);

/**
 * Synapses of subnet 72, from natixnetwork/streetvision-subnet `natix/protocol.py`. Some releases of the
 * validator send `ExtendedImageSynapse` (path `/ExtendedImageSynapse`, adds `model_url`, later `explanation`)
 * instead of `ImageSynapse`; neither declares required hash fields.
 */
export const SYNAPSES: Readonly<Record<string, SynapseSpec>> = Object.freeze({
  ImageSynapse: Object.freeze({ requiredHashFields: Object.freeze([]), fields: IMAGE_FIELDS }),
  ExtendedImageSynapse: Object.freeze({
    requiredHashFields: Object.freeze([]),
    fields: Object.freeze([
      ...IMAGE_FIELDS,
      { name: 'model_url', kind: 'str', default: '' },
      { name: 'explanation', kind: 'str', default: '' },
    ] satisfies SynapseField[]),
  }),
});

/** The registry entry for `name`, or undefined for a synapse this library does not know. */
export function synapseSpec(name: string): SynapseSpec | undefined {
  return Object.hasOwn(SYNAPSES, name) ? SYNAPSES[name] : undefined;
}

function sha3Hex(text: string): string {
  return createHash('sha3-256').update(text, 'utf8').digest('hex');
}

/** SHA3-256 of the empty string: the body hash of every synapse without required hash fields. */
export const EMPTY_BODY_HASH = 'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a';

/**
 * Python `Synapse.body_hash`: SHA3-256 hex of the concatenated SHA3-256 hex digests of `str(value)` of each
 * required field. Numbers of a field declared `float` in `kinds` are rendered as Python floats.
 */
export function computeBodyHash(
  fields: Record<string, unknown>,
  requiredHashFields: readonly string[],
  options: { kinds?: ReadonlyMap<string, PyKind> } = {},
): string {
  if (requiredHashFields.length === 0) return EMPTY_BODY_HASH;
  let joined = '';
  for (const field of requiredHashFields) {
    joined += sha3Hex(pyStr(fields[field], options.kinds?.get(field) ?? 'any'));
  }
  return sha3Hex(joined);
}

/** The synapse fields a validator sends for one image: `{testnet_label: -1, image, prediction: -1.0}`. */
export function imageSynapse(base64Jpeg: string): { name: 'ImageSynapse'; fields: Record<string, unknown> } {
  return { name: 'ImageSynapse', fields: { testnet_label: -1, image: base64Jpeg, prediction: -1.0 } };
}
