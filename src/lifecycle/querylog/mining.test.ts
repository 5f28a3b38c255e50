// Hard-case mining, neighbours and the projection, on SQLite and on a real PostgreSQL, over rows
// written by the real QueryLogWriter.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { projectQueries, rankHardCases, similarQueries } from './index.js';
import { backends } from './_test-querylog.js';
import { farHash, flipBits, logCrafted, onFreshLog, type Crafted } from './_test-mining.js';
import { hammingDistance } from '../../inference/cache/index.js';
import { createRng } from '../../core/random/index.js';
import { leadersOf } from './_near-duplicates.js';

test('leadersOf() finds the same leaders as comparing every pair', () => {
  const rng = createRng('leaders');
  const hashes: string[] = [];
  for (let i = 0; i < 400; i++) {
    // Near copies of earlier hashes (0 to 6 bits off) among fresh ones, and some empty.
    if (i > 0 && rng.chance(0.6)) {
      const bits = Array.from({ length: rng.int(0, 6) }, () => rng.int(0, 63));
      hashes.push(flipBits(hashes[rng.int(0, i - 1)]! || farHash(i), ...bits));
    } else hashes.push(rng.chance(0.05) ? '' : farHash(i));
  }
  const brute: number[] = [];
  hashes.forEach((h, i) => {
    const leader =
      h === ''
        ? -1
        : brute.findIndex((l, j) => l === j && hashes[j] !== '' && hammingDistance(h, hashes[j]!) <= 4);
    brute.push(leader === -1 ? i : leader);
  });
  const leaders = leadersOf(hashes);
  assert.deepEqual(leaders, brute);
  // A hash that is not 64 bits of hex takes the general path: the same leaders.
  assert.deepEqual(leadersOf([...hashes, 'not-hex']).slice(0, -1), brute);
  assert.ok(leaders.filter((l, i) => l !== i).length > 50, 'the case has near-duplicates');
});

const unit = (i: number, dims = 8, jitter = 0): number[] =>
  Array.from({ length: dims }, (_, j) => (j === i ? 1 : 0) + (j === (i + 1) % dims ? jitter : 0));

for (const backend of backends()) {
  describe(`hard-case mining on ${backend.name}`, { skip: backend.skip }, () => {
    test('rankHardCases() ranks unlabelled images by nearness to the threshold and stage disagreement, saying why', async () => {
      await onFreshLog(backend, async (store, imagesDir) => {
        const ids = await logCrafted(store, imagesDir, [
          { image: 1, prediction: 0.95 }, // 0: image 1, earlier and confident
          { image: 1, prediction: 0.5 }, // 1: image 1's latest request decides
          {
            image: 2,
            prediction: 0.6,
            stages: [
              { stage: 'edges', probability: 0.9, ms: 1 },
              { stage: 'vlm', probability: 0.2, ms: 9 },
            ],
          },
          { image: 3, prediction: 0.45 },
          {
            image: 4,
            prediction: 0.97,
            stages: [
              { stage: 'edges', probability: 0.99, ms: 1 },
              { stage: 'vlm', probability: 0.6, ms: 9 },
            ],
          }, // confident, and its stages differ without crossing the threshold: no reason
          { image: 5, prediction: 0.5, label: 1 }, // labelled: never a case
          {
            image: 6,
            prediction: 0.95,
            stages: [
              { stage: 'edges', probability: 0.95, ms: 1 },
              { stage: 'ocr', probability: 0.3, ms: 2 },
              { stage: 'vlm', skipped: 'exit', ms: 0 },
            ],
          },
          { image: 7, prediction: 0.5 }, // 7: hard earlier, confident at its latest
          { image: 7, prediction: 0.02 },
        ]);
        const cases = await rankHardCases(store);
        assert.deepEqual(
          cases.map((c) => c.id),
          [ids[2], ids[1], ids[3], ids[6]],
        );
        const [disagree, atThreshold, near, stagesOnly] = cases;
        assert.deepEqual(
          disagree!.reasons.map((r) => r.kind),
          ['threshold', 'disagreement'],
        );
        assert.ok(Math.abs(disagree!.score - (0.6 + 0.7)) < 1e-9);
        assert.match(disagree!.reasons[1]!.detail, /edges says roadwork \(0\.90\), vlm says not \(0\.20\)/);
        assert.equal(atThreshold!.prediction, 0.5);
        assert.deepEqual(atThreshold!.reasons, [
          { kind: 'threshold', weight: 1, detail: 'prediction 0.50 is 0.00 from the threshold 0.50' },
        ]);
        assert.ok(Math.abs(near!.score - 0.8) < 1e-9);
        assert.deepEqual(
          stagesOnly!.reasons.map((r) => [r.kind, r.weight.toFixed(2)]),
          [['disagreement', '0.65']],
        );
        assert.ok(
          cases.every((c) => c.duplicates === 0 && c.cluster === null && c.validator === '5Validator'),
        );
        // Another threshold moves the band; limit cuts the list.
        const high = await rankHardCases(store, { threshold: 0.9, limit: 2 });
        assert.deepEqual(
          high.map((c) => c.id),
          [ids[6], ids[4]],
        );
      });
    });

    test('rankHardCases() ranks the log as it was at `now`', async () => {
      await onFreshLog(backend, async (store, imagesDir) => {
        const ids = await logCrafted(store, imagesDir, [
          { image: 1, prediction: 0.5, receivedAtMs: 1000 },
          { image: 2, prediction: 0.5, receivedAtMs: 3000 },
          { image: 1, prediction: 0.99, receivedAtMs: 4000 },
        ]);
        assert.deepEqual(
          (await rankHardCases(store, { now: 2000 })).map((c) => c.id),
          [ids[0]],
        );
        assert.deepEqual(
          (await rankHardCases(store, { now: 5000 })).map((c) => c.id),
          [ids[1]],
        );
      });
    });

    test('near-duplicates by pHash collapse into the best of them, counting only unlabelled ones', async () => {
      await onFreshLog(backend, async (store, imagesDir) => {
        const base = farHash(100);
        const ids = await logCrafted(store, imagesDir, [
          { image: 1, prediction: 0.52, phash: flipBits(base, 3) }, // 1 bit from image 2
          { image: 2, prediction: 0.5, phash: base }, // the best of its pHash cluster
          { image: 3, prediction: 0.97, phash: flipBits(base, 0, 17, 40, 63) }, // 4 bits: a duplicate with no reason of its own
          { image: 4, prediction: 0.51, phash: flipBits(base, 0, 17, 40, 63, 9) }, // 5 bits: a case of its own
          { image: 5, prediction: 0.5, phash: flipBits(base, 5), label: 0 }, // labelled: not counted
          { image: 6, prediction: 0.47 },
        ]);
        const cases = await rankHardCases(store);
        assert.deepEqual(
          cases.map((c) => [c.id, c.duplicates]),
          [
            [ids[1], 2],
            [ids[3], 0],
            [ids[5], 0],
          ],
        );
      });
    });

    test('the cluster-errors reason appears only where labelled members of an embedding cluster are wrong', async () => {
      await onFreshLog(backend, async (store, imagesDir) => {
        const crafted: Crafted[] = [];
        let image = 0;
        const rng = createRng('clusters');
        // Three clusters of six around random centres, 256 wide as a backbone's are (clusters are found
        // in a 64-wide sketch); predictions confident, so only clusters can give a reason.
        for (const label of [
          1, // labelled roadwork, predicted not: wrong
          0, // labelled not, predicted not: right
          undefined, // no labels
        ] as const) {
          const centre = Array.from({ length: 256 }, () => rng.normal());
          for (let i = 0; i < 6; i++) {
            crafted.push({
              image: ++image,
              prediction: 0.03,
              embedding: centre.map((x) => x + rng.normal(0, 0.3)),
              ...(i < 3 && label !== undefined ? { label } : {}),
            });
          }
        }
        crafted.push({ image: ++image, prediction: 0.55 }); // no embedding: still ranked, by threshold
        const ids = await logCrafted(store, imagesDir, crafted);
        const cases = await rankHardCases(store);
        assert.deepEqual(
          cases.map((c) => c.id),
          [ids[18], ids[5], ids[4], ids[3]],
        );
        assert.equal(cases[0]!.cluster, null);
        assert.deepEqual(
          cases[0]!.reasons.map((r) => r.kind),
          ['threshold'],
        );
        const wrong = cases.slice(1);
        assert.equal(new Set(wrong.map((c) => c.cluster)).size, 1);
        for (const c of wrong) {
          assert.deepEqual(c.reasons, [
            {
              kind: 'cluster-errors',
              weight: 0.75,
              detail: `the model is wrong on 3 of 3 labelled images in its embedding cluster ${c.cluster}`,
            },
          ]);
        }
      });
    });

    test('similarQueries() gives the nearest images by cosine distance, not the image itself, and coded errors', async () => {
      await onFreshLog(backend, async (store, imagesDir) => {
        const ids = await logCrafted(store, imagesDir, [
          { image: 1, prediction: 0.1, embedding: [1, 0, 0] },
          { image: 2, prediction: 0.2, embedding: [0, 1, 0], label: 1 },
          { image: 3, prediction: 0.3, embedding: [0.9, 0.1, 0] },
          { image: 4, prediction: 0.4, embedding: [-2, 0, 0] },
          { image: 5, prediction: 0.5, embedding: [1, 1, 0] },
          { image: 1, prediction: 0.1, embedding: [1, 0, 0] }, // the same image again
          { image: 6, prediction: 0.6 }, // no embedding
          { image: 3, prediction: 0.3 }, // a repeat from the prediction cache: no embedding logged
        ]);
        const near = await similarQueries(store, ids[0]!);
        assert.deepEqual(
          near.map((n) => [n.id, n.label, n.prediction]),
          [
            // Image 3's latest request is the cache hit; its earlier embedding places it.
            [ids[7], null, 0.3],
            [ids[4], null, 0.5],
            [ids[1], 1, 0.2],
            [ids[3], null, 0.4],
          ],
        );
        const expected = [1 - 0.9 / Math.hypot(0.9, 0.1), 1 - Math.SQRT1_2, 1, 2];
        near.forEach((n, i) => assert.ok(Math.abs(n.distance - expected[i]!) < 1e-6, `distance ${i}`));
        assert.deepEqual(
          (await similarQueries(store, ids[1]!, { k: 2 })).map((n) => n.id),
          [ids[4], ids[7]],
        );
        // Asked from the cache hit itself: the image's embedding serves, its own image is left out.
        assert.equal((await similarQueries(store, ids[7]!))[0]?.id, ids[5]);
        await assert.rejects(similarQueries(store, 999_999), (err) =>
          isRoadworkError(err, 'ERR_QUERY_UNKNOWN'),
        );
        await assert.rejects(similarQueries(store, ids[6]!), (err) =>
          isRoadworkError(err, 'ERR_QUERY_NO_EMBEDDING'),
        );
      });
    });

    test('projectQueries() places each embedded image on a plane, deterministically, with label, error and cluster', async () => {
      await onFreshLog(backend, async (store, imagesDir) => {
        const crafted: Crafted[] = [];
        for (let i = 0; i < 8; i++) {
          crafted.push({
            image: i + 1,
            prediction: 0.9,
            embedding: unit(0, 16, i * 0.05),
            label: i < 2 ? 0 : undefined,
          });
          crafted.push({ image: i + 20, prediction: 0.1, embedding: unit(5, 16, i * 0.05) });
        }
        crafted.push({ image: 50, prediction: 0.5 }); // no embedding: not placed
        const ids = await logCrafted(store, imagesDir, crafted);
        const points = await projectQueries(store);
        assert.deepEqual(await projectQueries(store), points);
        assert.equal(points.length, 16);
        // Newest first.
        assert.deepEqual(
          points.map((p) => p.id),
          ids.slice(0, 16).reverse(),
        );
        const a = points.filter((p) => p.prediction === 0.9);
        const b = points.filter((p) => p.prediction === 0.1);
        // The two groups sit apart along the first component.
        assert.ok(
          Math.max(...a.map((p) => p.x)) < Math.min(...b.map((p) => p.x)) ||
            Math.min(...a.map((p) => p.x)) > Math.max(...b.map((p) => p.x)),
        );
        assert.ok(points.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)));
        assert.deepEqual(
          points.filter((p) => p.label !== null).map((p) => [p.label, p.error]),
          [
            [0, true],
            [0, true],
          ],
        );
        assert.ok(points.filter((p) => p.label === null).every((p) => p.error === null));
        // k-means may split a group, never join members of both.
        const inA = new Set(a.map((p) => p.cluster));
        assert.ok(b.every((p) => p.cluster !== null && !inA.has(p.cluster)));
        assert.equal((await projectQueries(store, { limit: 3 })).length, 3);
      });
    });
  });
}
