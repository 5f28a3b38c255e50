// The intra-op thread default: the cores shared among the workers, unless configured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoIntraOpThreads } from './_threads.js';

test('autoIntraOpThreads() divides the cores among the workers, at least one, unless configured', () => {
  assert.equal(autoIntraOpThreads(1, 0, 2), 2);
  assert.equal(autoIntraOpThreads(2, 0, 2), 1);
  assert.equal(autoIntraOpThreads(3, 0, 8), 2);
  assert.equal(autoIntraOpThreads(4, 0, 2), 1);
  assert.equal(autoIntraOpThreads(1, 3, 2), 3);
});
