import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, RoadworkError, toRoadworkError } from './index.js';
import { renderErrorsDoc } from './doc.js';

test('docs/errors.md matches the error catalogue', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  assert.equal(doc, renderErrorsDoc(), 'run `npm run docs:errors` and commit docs/errors.md');
});

test('every caller-facing code has a Bittensor-style HTTP status', () => {
  for (const [code, { status }] of Object.entries(ERRORS)) {
    if (status !== undefined) assert.ok([400, 401, 403, 404, 405, 408, 413, 500, 503].includes(status), code);
  }
});

test('toRoadworkError() keeps coded errors and wraps anything else as ERR_INTERNAL', () => {
  const coded = new RoadworkError('ERR_NONCE_STALE', 'old');
  assert.equal(toRoadworkError(coded), coded);
  const wrapped = toRoadworkError(new TypeError('boom'));
  assert.equal(wrapped.code, 'ERR_INTERNAL');
  assert.equal(wrapped.status, 500);
  assert.ok(wrapped.cause instanceof TypeError);
});
