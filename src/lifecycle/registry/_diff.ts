// What changed between two model versions: metrics, cascade config, files.
import { readFile } from 'node:fs/promises';
import { cascadeFileOf, type ModelVersion } from './_registry.js';

/** One changed leaf: its dotted key and both values (undefined where absent). */
export interface DiffEntry {
  readonly key: string;
  readonly a: unknown;
  readonly b: unknown;
}

/** The differences `diffVersions` finds. */
export interface VersionDiff {
  readonly a: string;
  readonly b: string;
  readonly metrics: readonly DiffEntry[];
  readonly config: readonly DiffEntry[];
  readonly files: readonly { path: string; change: 'added' | 'removed' | 'changed' }[];
  readonly lineage: readonly DiffEntry[];
}

function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, value);
  return out;
}

function diffObjects(a: unknown, b: unknown): DiffEntry[] {
  const fa = flatten(a);
  const fb = flatten(b);
  return [...new Set([...fa.keys(), ...fb.keys()])]
    .sort()
    .filter((k) => fa.get(k) !== fb.get(k))
    .map((key) => ({ key, a: fa.get(key), b: fb.get(key) }));
}

/** Compares version `a` with version `b` (b's values are the new ones). */
export async function diffVersions(a: ModelVersion, b: ModelVersion): Promise<VersionDiff> {
  const config = async (v: ModelVersion) => JSON.parse(await readFile(cascadeFileOf(v), 'utf8')) as unknown;
  const fa = new Map(a.manifest.files.map((f) => [f.path, f.sha256]));
  const fb = new Map(b.manifest.files.map((f) => [f.path, f.sha256]));
  const files = [...new Set([...fa.keys(), ...fb.keys()])].sort().flatMap((path) => {
    const change = !fa.has(path)
      ? 'added'
      : !fb.has(path)
        ? 'removed'
        : fa.get(path) !== fb.get(path)
          ? 'changed'
          : undefined;
    return change ? [{ path, change: change as 'added' | 'removed' | 'changed' }] : [];
  });
  return {
    a: a.id,
    b: b.id,
    metrics: diffObjects(a.manifest.metrics, b.manifest.metrics),
    config: diffObjects(await config(a), await config(b)),
    files,
    lineage: diffObjects(
      { parent: a.parent, data_version: a.dataVersion, created_at: a.createdAt },
      { parent: b.parent, data_version: b.dataVersion, created_at: b.createdAt },
    ),
  };
}
