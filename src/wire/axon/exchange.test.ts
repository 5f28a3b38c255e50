import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { pino } from 'pino';
import { Exchange } from './_exchange.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const root = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, root };
}
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

test('Exchange.log is a child of the root logger carrying the request id and the caller hotkey', () => {
  const { lines, root } = capture();
  const a = new Exchange(request({ bt_header_dendrite_hotkey: '5Val' }), root, 1, 2);
  const b = new Exchange(request({ bt_header_dendrite_hotkey: '5Val' }), root, 1, 2);
  assert.notEqual(a.id, b.id);
  assert.equal(a.log, a.log, 'one child per request');
  a.log.info({ p: 0.5 }, 'Answered');
  assert.equal(lines.length, 1);
  assert.deepEqual([lines[0]!.reqId, lines[0]!.caller, lines[0]!.p], [a.id, '5Val', 0.5]);
});

test('Exchange keeps no caller for a missing hotkey header, and cuts a hostile one in the log', () => {
  const { lines, root } = capture();
  assert.equal(new Exchange(request({}), root, 0, 0).caller, '');
  const none = new Exchange(request({}), root, 0, 0);
  none.log.info('x');
  assert.equal('caller' in lines[0]!, false);
  const long = new Exchange(request({ bt_header_dendrite_hotkey: 'k'.repeat(5000) }), root, 0, 0);
  long.log.info('y');
  assert.equal((lines[1]!.caller as string).length, 64);
  assert.equal(long.caller.length, 5000, 'the full value stays for the blacklist to refuse');
});
