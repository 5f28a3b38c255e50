import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock } from '../../core/clock/index.js';
import { isRoadworkError } from '../../core/errors/index.js';
import { hotkeyFromSecret } from '../../wire/wallet/index.js';
import { registerWithNatix, type RegisterOptions } from './index.js';
import { startTestNatix } from './_test-natix.js';

const signer = hotkeyFromSecret('//Bob');

function options(url: string, clock = fakeClock(1_780_000_000_000)): RegisterOptions & { seen: string[] } {
  const seen: string[] = [];
  return {
    baseUrl: `${url}/`,
    uid: 17,
    signer,
    repo: 'bob/roadwork',
    clock,
    onStatus: (s) => seen.push(s),
    // Polls advance the fake clock instead of waiting, so a 180 s timeout takes no time.
    sleep: async (ms) => clock.advance(ms),
    seen,
  };
}

test('a registration is signed as NATIX checks it and polled until it succeeds', async (t) => {
  const natix = await startTestNatix({ statuses: ['queued', 'processing', 'processing', 'Succeeded'] });
  t.after(() => natix.close());
  const o = options(natix.url);
  const done = await registerWithNatix(o);
  assert.equal(done.status, 'succeeded');
  assert.deepEqual(done.statuses, ['queued', 'processing', 'succeeded']);
  assert.deepEqual(o.seen, done.statuses);
  assert.equal(done.seconds, 9, 'three 3 s waits between four polls');
  const [body] = natix.registrations;
  assert.equal(body?.uid, '17');
  assert.equal(body?.message, '1780000000');
  assert.equal(body?.natix_public_key, signer.ss58);
  assert.equal(body?.model_repo, 'bob/roadwork');
  assert.deepEqual(natix.polls, ['17', '17', '17', '17']);
});

test('a failed status, a refusal and a timeout are ERR_REGISTRATION saying which', async (t) => {
  const failed = await startTestNatix({ statuses: ['pending', 'failed'] });
  t.after(() => failed.close());
  await assert.rejects(
    registerWithNatix(options(failed.url)),
    (e) =>
      isRoadworkError(e, 'ERR_REGISTRATION') &&
      /uid 17 failed: model repo not found \(statuses: pending → failed\)/.test(e.message),
  );

  const refusing = await startTestNatix({ statuses: ['pending'], registerStatus: 403 });
  t.after(() => refusing.close());
  await assert.rejects(
    registerWithNatix(options(refusing.url)),
    (e) => isRoadworkError(e, 'ERR_REGISTRATION') && /HTTP 403/.test(e.message),
  );

  const stuck = await startTestNatix({ statuses: ['processing'] });
  t.after(() => stuck.close());
  await assert.rejects(
    registerWithNatix({ ...options(stuck.url), timeoutMs: 30_000 }),
    (e) =>
      isRoadworkError(e, 'ERR_REGISTRATION') &&
      /still processing after 27 s; gave up \(timeout 30 s\)/.test(e.message),
  );
  assert.equal(stuck.polls.length, 10);

  const odd = await startTestNatix({ statuses: ['teleported'] });
  t.after(() => odd.close());
  await assert.rejects(
    registerWithNatix(options(odd.url)),
    (e) => isRoadworkError(e, 'ERR_REGISTRATION') && /unknown status "teleported"/.test(e.message),
  );
});

test('an unreachable server is ERR_REGISTRATION naming the URL', async () => {
  const natix = await startTestNatix({ statuses: ['pending'] });
  await natix.close();
  await assert.rejects(
    registerWithNatix(options(natix.url)),
    (e) => isRoadworkError(e, 'ERR_REGISTRATION') && e.message.includes(`${natix.url}/participants/register`),
  );
});
