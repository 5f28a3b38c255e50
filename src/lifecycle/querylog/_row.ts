// One answered request turned into the query log's rows: hashing and sniffing happen here, in the
// writer, never in the axon's hook.
import type { AnsweredRequest } from '../../wire/axon/index.js';
import { perceptualHash } from '../../inference/cache/index.js';
import { imageFacts, type ImageFacts } from './_images.js';

/** A request ready to be written: its image's bytes and facts, and the `queries` row values. */
export interface PreparedEntry {
  readonly image: ImageFacts & { readonly phash: string };
  readonly data: Buffer;
  /** Values in `QUERY_COLUMNS` order. */
  readonly values: readonly unknown[];
}

const KNOWN_MAX = 4096;

/** The `queries` columns the writer fills, in order. */
export const QUERY_COLUMNS = [
  'request_id',
  'received_at',
  'logged_at',
  'image_sha256',
  'synapse',
  'validator',
  'dendrite_version',
  'generation',
  'stake',
  'prediction',
  'model_version',
  'stages',
  'embedding',
  'embedding_dims',
  'total_ms',
  'timings',
] as const;

/**
 * Decodes the base64, hashes the bytes and (unless the cascade did, or `known` has it) the decoded
 * pixels, and lays out the row. `known` maps recent sha256s to their pHash: validators repeat images,
 * and a pHash of a 224² image costs ~0.4 ms, far more than everything else here.
 */
export function prepareEntry(
  a: AnsweredRequest,
  loggedAtMs: number,
  known?: Map<string, string>,
): PreparedEntry {
  const data = Buffer.from(a.image, 'base64');
  const facts = imageFacts(data);
  const phash =
    a.phash ?? known?.get(facts.sha256) ?? (a.decoded === undefined ? '' : perceptualHash(a.decoded));
  if (known !== undefined && phash !== '') {
    known.delete(facts.sha256);
    known.set(facts.sha256, phash);
    if (known.size > KNOWN_MAX) known.delete(known.keys().next().value!);
  }
  const e = a.embedding;
  const values = [
    a.id,
    a.receivedAtMs,
    loggedAtMs,
    facts.sha256,
    a.synapse,
    a.validator.hotkey,
    a.validator.version ?? null,
    a.validator.generation,
    a.validator.stake,
    a.prediction,
    a.modelVersion,
    JSON.stringify(a.stages),
    // Float32 little-endian, as the array holds it: a view, not a copy.
    e === undefined ? null : Buffer.from(e.buffer, e.byteOffset, e.byteLength),
    e?.length ?? 0,
    a.timings.totalMs,
    JSON.stringify(a.timings),
  ];
  return { image: { ...facts, phash }, data, values };
}

/** An embedding column back to numbers. */
export function embeddingOf(blob: Buffer | null | undefined): Float32Array | undefined {
  if (blob === null || blob === undefined || blob.length === 0) return undefined;
  const copy = new Uint8Array(blob);
  return new Float32Array(copy.buffer, 0, copy.length / 4);
}
