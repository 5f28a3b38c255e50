import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createMetrics } from './index.js';

const SERVE_DOC = readFileSync(new URL('../../../docs/serve.md', import.meta.url), 'utf8');

test('every metric the miner declares is documented in docs/serve.md', async () => {
  const metrics = createMetrics({ processMetrics: false });
  const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
  assert.ok(names.length >= 16, names.join(', '));
  const missing = names.filter((name) => !SERVE_DOC.includes(`\`${name}`));
  assert.deepEqual(missing, [], 'add them to the /metrics list of docs/serve.md');
});

test('watchMetagraph() reports the block and age at each scrape, 0 before the first snapshot', async () => {
  const metrics = createMetrics({ processMetrics: false });
  const value = async (name: string) => {
    const text = await metrics.registry.metrics();
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  };
  assert.equal(await value('roadwork_metagraph_block'), 0);
  let reading: { block?: number; ageMs?: number } = {};
  metrics.watchMetagraph(() => reading);
  assert.equal(await value('roadwork_metagraph_block'), 0);
  reading = { block: 4_321_000, ageMs: 1500 };
  assert.equal(await value('roadwork_metagraph_block'), 4_321_000);
  assert.equal(await value('roadwork_metagraph_age_seconds'), 1.5);
  // Read, not pushed: the age grows between refreshes without anyone setting it.
  reading = { block: 4_321_000, ageMs: 61_000 };
  assert.equal(await value('roadwork_metagraph_age_seconds'), 61);
});

test('watchMetagraph() reports the owner incentive share at each scrape, NaN while it is not known', async () => {
  const metrics = createMetrics({ processMetrics: false });
  // prom-client writes NaN as `Nan`; Prometheus parses it case-insensitively.
  const value = async () =>
    /^roadwork_subnet_owner_incentive_share (\S+)$/m
      .exec(await metrics.registry.metrics())?.[1]
      ?.replace(/^nan$/i, 'NaN');
  assert.equal(await value(), 'NaN');
  let reading: { block?: number; ownerIncentiveShare?: number } = { block: 1 };
  metrics.watchMetagraph(() => reading);
  assert.equal(await value(), 'NaN');
  reading = { block: 2, ownerIncentiveShare: 1 };
  assert.equal(await value(), '1');
  reading = { block: 3, ownerIncentiveShare: 0.025 };
  assert.equal(await value(), '0.025');
});
