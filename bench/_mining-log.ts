// A synthetic query log for the mining and gallery benchmarks: rows written straight into the store (no
// image files), shaped like a miner's (repeats, near-duplicates, labels, clustered embeddings).
import { createRng } from '../src/core/random/index.js';
import type { AsyncStore } from '../src/core/store/index.js';
import { QUERY_COLUMNS } from '../src/lifecycle/querylog/_row.js';

function hex16(rng: ReturnType<typeof createRng>): string {
  return Array.from({ length: 16 }, () => rng.int(0, 15).toString(16)).join('');
}

/**
 * Writes `n` requests straight into the store: about n/1.1 distinct images (a tenth repeat one), 5 %
 * near-duplicate pHashes, 10 % labelled, `dims`-wide embeddings around `clusters` centres. Seeded.
 */
export async function fillMiningLog(
  store: AsyncStore,
  o: { readonly n: number; readonly dims: number; readonly clusters: number },
): Promise<void> {
  const { n: N, dims: DIMS } = o;
  const rng = createRng('bench-mining');
  const centres = Array.from({ length: o.clusters }, () =>
    Float32Array.from({ length: DIMS }, () => rng.normal()),
  );
  const images: { sha: string; phash: string }[] = [];
  const rows: unknown[][] = [];
  for (let i = 0; i < N; i++) {
    const repeat = images.length > 0 && rng.chance(0.1);
    let image = repeat ? rng.choice(images) : undefined;
    if (image === undefined) {
      const near = images.length > 0 && rng.chance(0.05);
      const phash = near ? rng.choice(images).phash.slice(0, 15) + rng.int(0, 15).toString(16) : hex16(rng);
      image = { sha: `${i.toString(16).padStart(8, '0')}${'0'.repeat(56)}`, phash };
      images.push(image);
    }
    const centre = rng.choice(centres);
    const e = Float32Array.from(centre, (x) => x + rng.normal(0, 0.8));
    const p = rng.next();
    const stages = [
      { stage: 'edges', probability: Math.min(1, Math.max(0, p + rng.normal(0, 0.2))), ms: 1 },
      { stage: 'head', probability: p, ms: 3 },
    ];
    rows.push([
      `r${i}`,
      i,
      i,
      image.sha,
      'ImageSynapse',
      `5V${i % 7}`,
      42,
      '0.4.x',
      1000,
      p,
      'bench',
      JSON.stringify(stages),
      Buffer.from(e.buffer),
      DIMS,
      10,
      '{}',
    ]);
  }
  await store.transaction(async (tx) => {
    for (const img of images) {
      await tx.run(
        'INSERT INTO query_images (sha256, ext, bytes, width, height, phash, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [img.sha, 'jpg', 1000, 224, 224, img.phash, 0, 0],
      );
    }
    const cols = QUERY_COLUMNS.join(', ');
    const one = `(${QUERY_COLUMNS.map(() => '?').join(', ')})`;
    for (let i = 0; i < rows.length; i += 100) {
      const part = rows.slice(i, i + 100);
      await tx.run(`INSERT INTO queries (${cols}) VALUES ${part.map(() => one).join(', ')}`, part.flat());
    }
    for (const img of images) {
      if (!rng.chance(0.1)) continue;
      await tx.run('INSERT INTO labels (sha256, label, source, at, by_whom) VALUES (?, ?, ?, ?, ?)', [
        img.sha,
        rng.int(0, 1),
        'operator',
        0,
        'bench',
      ]);
    }
  });
}
