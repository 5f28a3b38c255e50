import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { isRoadworkError } from '../../core/errors/index.js';
import { receiveBody, type BodySource } from './_body.js';

/** A request body without a socket: the chunks, then the end (or never, when `open`). */
function source(chunks: readonly string[], headers: IncomingHttpHeaders = {}, open = false): BodySource {
  const stream = new Readable({ read() {} });
  for (const c of chunks) stream.push(Buffer.from(c));
  if (!open) stream.push(null);
  return Object.assign(stream, { headers });
}

test('receiveBody() joins the chunks and parses the synapse object', async () => {
  const got = await receiveBody(source(['{"image":"AA', 'AA","timeout":9}']), 1000);
  assert.deepEqual(got.synapse, { image: 'AAAA', timeout: 9 });
  assert.ok(got.receiveMs >= 0);
});

test('receiveBody() refuses a declared length over the limit before reading a byte', async () => {
  const s = source(['{}'], { 'content-length': '5000' });
  await assert.rejects(
    receiveBody(s, 1000),
    (e) => isRoadworkError(e, 'ERR_BODY_TOO_LARGE') && /5000/.test(e.message),
  );
  assert.equal(s.readableLength, 2, 'nothing was consumed');
});

test('receiveBody() stops reading as soon as an undeclared body crosses the limit', async () => {
  const s = source(['{"image":"', 'A'.repeat(600), 'A'.repeat(600), '"}'], {}, true);
  await assert.rejects(receiveBody(s, 1000), (e) => isRoadworkError(e, 'ERR_BODY_TOO_LARGE'));
  assert.ok(s.isPaused(), 'the rest is left unread');
});

test('receiveBody() refuses JSON that is invalid or not an object', async () => {
  await assert.rejects(receiveBody(source(['{"image": ']), 1000), (e) =>
    isRoadworkError(e, 'ERR_BODY_INVALID_JSON'),
  );
  await assert.rejects(
    receiveBody(source(['[1,2]']), 1000),
    (e) =>
      isRoadworkError(e, 'ERR_BODY_INVALID_JSON') && /must be a JSON object, got an array/.test(e.message),
  );
});

test('receiveBody() gives up with a deadline error when the body has not arrived in time', async () => {
  const controller = new AbortController();
  const pending = receiveBody(source(['{"ima'], {}, true), 1000, controller.signal);
  setTimeout(() => controller.abort(), 10);
  await assert.rejects(pending, (e) => isRoadworkError(e, 'ERR_DEADLINE_EXCEEDED'));
});
