// For the hard-case mining tests: crafted requests written through the real QueryLogWriter.
import { createHash } from 'node:crypto';
import { createMetrics } from '../../core/metrics/index.js';
import { silentLogger } from '../../core/log/index.js';
import { systemClock } from '../../core/clock/index.js';
import type { AsyncStore } from '../../core/store/index.js';
import type { StageResult } from '../../inference/cascade/types.js';
import { QueryLogWriter, imageKey, recordLabels } from './index.js';
import { answered } from './_test-querylog.js';

/** One crafted request: `image` picks the picture (the same number, the same bytes). */
export interface Crafted {
  readonly image: number;
  readonly prediction: number;
  readonly stages?: readonly StageResult[];
  readonly embedding?: readonly number[];
  /** Default: a pHash of its own, far from every other image's. */
  readonly phash?: string;
  readonly label?: 0 | 1;
  readonly receivedAtMs?: number;
}

/** A 64-bit pHash unlikely to be within a few bits of another seed's (≈32 bits apart). */
export function farHash(seed: number): string {
  return createHash('sha256').update(`phash-${seed}`).digest('hex').slice(0, 16);
}

/** `hash` with bit `bits[i]` flipped for each i (bit 0 = the last hex digit's lowest). */
export function flipBits(hash: string, ...bits: number[]): string {
  const digits = hash.split('').map((d) => parseInt(d, 16));
  for (const b of bits) digits[digits.length - 1 - Math.floor(b / 4)]! ^= 1 << (b % 4);
  return digits.map((d) => d.toString(16)).join('');
}

/** Writes the requests in order (and their labels); resolves to each one's `queries.id`. */
export async function logCrafted(
  store: AsyncStore,
  imagesDir: string,
  crafted: readonly Crafted[],
): Promise<number[]> {
  const writer = new QueryLogWriter(store, {
    queueSize: crafted.length + 1,
    imagesDir,
    clock: systemClock(),
    logger: silentLogger(),
    metrics: createMetrics({ processMetrics: false }),
    flushMs: 5,
  });
  const labels = [];
  const ids: string[] = [];
  for (const [n, c] of crafted.entries()) {
    // A solid colour per image number: distinct numbers, distinct bytes.
    const a = await answered([(c.image * 37) % 256, (c.image * 11) % 256, Math.floor(c.image / 7) % 256]);
    const id = `crafted-${n}`;
    ids.push(id);
    writer.hook({
      ...a,
      id,
      prediction: c.prediction,
      stages: c.stages ?? [{ stage: 'head', probability: c.prediction, ms: 1 }],
      embedding: c.embedding === undefined ? undefined : Float32Array.from(c.embedding),
      phash: c.phash ?? farHash(c.image),
      receivedAtMs: c.receivedAtMs ?? a.receivedAtMs,
    });
    if (c.label !== undefined) {
      labels.push({
        sha256: imageKey(a.image),
        label: c.label,
        source: 'operator' as const,
        at: 1,
        by: 'test',
      });
    }
  }
  await writer.close();
  await recordLabels(store, labels);
  const rows = await store.all<{ id: number | string; request_id: string }>(
    'SELECT id, request_id FROM queries',
  );
  const byRequest = new Map(rows.map((r) => [r.request_id, Number(r.id)]));
  return ids.map((id) => byRequest.get(id)!);
}
