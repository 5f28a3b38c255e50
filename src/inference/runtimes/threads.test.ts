// The worker and intra-op thread defaults: from the cores, unless configured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTO_WORKERS_MAX, autoIntraOpThreads, autoWorkers } from './_threads.js';

test('autoIntraOpThreads() divides the cores among the workers, at least one, unless configured', () => {
  assert.equal(autoIntraOpThreads(1, 0, 2), 2);
  assert.equal(autoIntraOpThreads(2, 0, 2), 1);
  assert.equal(autoIntraOpThreads(3, 0, 8), 2);
  assert.equal(autoIntraOpThreads(4, 0, 2), 1);
  assert.equal(autoIntraOpThreads(1, 3, 2), 3);
});

test('autoWorkers() starts one worker per core (at most four) on the CPU, one on CUDA, unless configured', () => {
  assert.equal(autoWorkers(0, { cores: 2 }), 2);
  assert.equal(autoWorkers(0, { cores: 1 }), 1);
  assert.equal(autoWorkers(0, { cores: 16 }), AUTO_WORKERS_MAX);
  assert.equal(autoWorkers(0, { cores: 16, device: 'cuda' }), 1);
  assert.equal(autoWorkers(3, { cores: 2 }), 3);
  assert.equal(autoWorkers(5, { cores: 2, device: 'cuda' }), 5);
  // The automatic pair on 2 cores: two workers of one thread each.
  assert.equal(autoIntraOpThreads(autoWorkers(0, { cores: 2 }), 0, 2), 1);
});
