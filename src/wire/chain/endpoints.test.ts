// Network names to endpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { CHAIN_ENDPOINTS, resolveEndpoint } from './index.js';

test('resolveEndpoint() maps network names and passes websocket URLs through', () => {
  assert.equal(resolveEndpoint('finney'), 'wss://entrypoint-finney.opentensor.ai:443');
  assert.equal(resolveEndpoint('test'), 'wss://test.finney.opentensor.ai:443');
  assert.equal(resolveEndpoint('local'), 'ws://127.0.0.1:9944');
  assert.equal(resolveEndpoint('ws://10.0.0.2:9944'), 'ws://10.0.0.2:9944');
  assert.ok(Object.isFrozen(CHAIN_ENDPOINTS));
});

test('resolveEndpoint() rejects an unknown name with the valid ones', () => {
  assert.throws(
    () => resolveEndpoint('mainnet'),
    (err: unknown) =>
      isRoadworkError(err, 'ERR_CONFIG_INVALID') && /"mainnet".*finney, test, local/.test(err.message),
  );
  assert.throws(
    () => resolveEndpoint('toString'),
    (err: unknown) => isRoadworkError(err, 'ERR_CONFIG_INVALID'),
  );
  assert.throws(
    () => resolveEndpoint('https://x'),
    (err: unknown) => isRoadworkError(err, 'ERR_CONFIG_INVALID'),
  );
});
