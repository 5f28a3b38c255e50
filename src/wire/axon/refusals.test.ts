import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeClock } from '../../core/clock/index.js';
import { createLogger } from '../../core/log/index.js';
import { RefusalLog } from './_refusals.js';

function collect() {
  const lines: { level: number; msg: string; code?: string; count?: number; callers?: string[] }[] = [];
  const logger = createLogger({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, logger };
}

test('RefusalLog: the first refusal of each code at once, a flood summarised once per interval', () => {
  const { lines, logger } = collect();
  const clock = fakeClock();
  const log = new RefusalLog(logger, clock, { intervalMs: 60_000 });
  log.note('ERR_CALLER_NO_PERMIT', 403, '5Foo', 'no permit');
  for (let i = 0; i < 10_000; i++) log.note('ERR_CALLER_NO_PERMIT', 403, `5Caller${i % 50}`, 'no permit');
  log.note('ERR_SIGNATURE_MISMATCH', 401, '5Bar', 'bad signature');
  assert.deepEqual(
    lines.map((l) => [l.level, l.msg]),
    [
      [30, 'Refused a request: ERR_CALLER_NO_PERMIT'],
      [30, 'Refused a request: ERR_SIGNATURE_MISMATCH'],
    ],
    '10 002 refusals, two info lines',
  );
  clock.advance(60_000);
  log.note('ERR_CALLER_NO_PERMIT', 403, '5Foo', 'no permit');
  const summary = lines[2]!;
  assert.equal(summary.msg, 'Refused 10000 more request(s): ERR_CALLER_NO_PERMIT');
  assert.equal(summary.count, 10_000);
  assert.equal(summary.callers?.length, 20, 'callers are capped');
  assert.equal(lines[3]!.msg, 'Refused a request: ERR_CALLER_NO_PERMIT');
  log.note('ERR_CALLER_NO_PERMIT', 403, '5Foo', 'no permit');
  log.close();
  assert.equal(lines.at(-1)!.msg, 'Refused 1 more request(s): ERR_CALLER_NO_PERMIT', 'close flushes');
  assert.equal(lines.length, 5);
});
