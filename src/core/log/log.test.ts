import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REDACT_PATHS, silentLogger } from './index.js';
import { memoryLogger } from './_test-sink.js';

test('createLogger() censors signatures, secrets and images at every listed path and keeps the rest', () => {
  const { logger, lines } = memoryLogger();
  logger.info(
    {
      signature: '0xabc',
      synapse: { signature: '0xdef', image: 'base64…', name: 'ImageSynapse' },
      headers: { bt_header_dendrite_signature: '0x123', bt_header_dendrite_hotkey: '5F…' },
      req: { headers: { bt_header_dendrite_signature: '0x456' } },
      wallet: { mnemonic: 'twelve words', secret: 's' },
      secret: 'top',
      image: 'base64…',
      privateKey: 'k',
    },
    'request',
  );
  const [line] = lines();
  const R = '[redacted]';
  assert.equal(line?.msg, 'request');
  assert.equal(line?.signature, R);
  assert.deepEqual(line?.synapse, { signature: R, image: R, name: 'ImageSynapse' });
  assert.deepEqual(line?.headers, { bt_header_dendrite_signature: R, bt_header_dendrite_hotkey: '5F…' });
  assert.deepEqual(line?.req, { headers: { bt_header_dendrite_signature: R } });
  assert.deepEqual(line?.wallet, { mnemonic: R, secret: R });
  assert.equal(line?.secret, R);
  assert.equal(line?.image, R);
  assert.equal(line?.privateKey, R);
  assert.ok(!JSON.stringify(line).includes('0xabc'));
});

test("createLogger() logs at info by default, named roadwork with the process's pid", () => {
  const { logger, lines } = memoryLogger({});
  logger.debug('hidden');
  logger.info({ n: 1 }, 'shown');
  const all = lines();
  assert.deepEqual(
    all.map((l) => l.msg),
    ['shown'],
  );
  assert.equal(all[0]?.name, 'roadwork');
  assert.equal(all[0]?.pid, process.pid);
  assert.equal(all[0]?.level, 30);
  const named = memoryLogger({ level: 'warn', name: 'miner' });
  named.logger.info('dropped');
  named.logger.warn('kept');
  assert.deepEqual(
    named.lines().map((l) => [l.name, l.msg]),
    [['miner', 'kept']],
  );
});

test('a child logger carries its bindings on every line and is redacted like its root', () => {
  const { logger, lines } = memoryLogger();
  const child = logger.child({ requestId: 'r-1', caller: '5F…' });
  child.info({ signature: '0xabc' }, 'answered');
  const [line] = lines();
  assert.equal(line?.requestId, 'r-1');
  assert.equal(line?.caller, '5F…');
  assert.equal(line?.signature, '[redacted]');
});

test('silentLogger() is silent at every level, and the redaction list cannot be changed', () => {
  const logger = silentLogger();
  assert.equal(logger.level, 'silent');
  assert.equal(logger.isLevelEnabled('fatal'), false);
  assert.ok(Object.isFrozen(REDACT_PATHS));
});
