// One NATIX parquet row as the validator reads it: its truthiness rule, its consistency rule, its image cell.

/** Python's `bool(value)` for the values a parquet cell can hold (None, "", 0, [], {} are false). */
export function pythonTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'string') return value.length > 0;
  // NaN is true in Python, as it is here.
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'bigint') return value !== 0n;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return (value as ArrayLike<unknown>).length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/**
 * The validator's rule (`ImageCache.sample` in natixnetwork/streetvision-subnet): a row is never
 * sampled when it has a scene description but label 0, or no scene description but label 1. So a
 * roadwork image must come with a description of the roadwork, and a negative must have none.
 */
export function isConsistentRow(label: 0 | 1, hasSceneDescription: boolean): boolean {
  return hasSceneDescription ? label === 1 : label === 0;
}

const MAGIC: readonly (readonly number[])[] = [
  [0xff, 0xd8, 0xff], // JPEG
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x52, 0x49, 0x46, 0x46], // RIFF (WebP)
];

function looksLikeImage(bytes: Uint8Array): boolean {
  return MAGIC.some((m) => m.every((b, i) => bytes[i] === b));
}

/**
 * The image in a cell, as the validator's extractor finds it: the cell itself when it is bytes, or
 * the first key of a struct whose name contains `bytes` or `image` (Hugging Face writes
 * `{bytes, path}`); bytes that are not an image are tried as base64, as the extractor does.
 */
export function imageBytes(cell: unknown): Buffer | undefined {
  let value = cell;
  if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value)) {
    const key = Object.keys(value).find((k) => /bytes|image/i.test(k));
    value = key === undefined ? undefined : (value as Record<string, unknown>)[key];
  }
  let bytes: Buffer;
  if (value instanceof Uint8Array) bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  else if (typeof value === 'string') bytes = Buffer.from(value, 'latin1');
  else return undefined;
  if (bytes.length === 0) return undefined;
  if (looksLikeImage(bytes)) return bytes;
  const decoded = Buffer.from(bytes.toString('latin1').trim(), 'base64');
  return decoded.length > 0 && looksLikeImage(decoded) ? decoded : bytes;
}
