// Python formatting: the values below are what CPython 3.10 prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyFloatRepr, pyJsonDumps, pyStr } from './_python.js';

test('pyFloatRepr() matches repr(float) across notations', () => {
  const cases: [number, string][] = [
    [9, '9.0'],
    [-1, '-1.0'],
    [0, '0.0'],
    [-0, '-0.0'],
    [0.1, '0.1'],
    [12.5, '12.5'],
    [0.00015, '0.00015'],
    [0.00001, '1e-05'],
    [1.5e-7, '1.5e-07'],
    [1e16, '1e+16'],
    [1e15 + 0.5, '1000000000000000.5'],
    [2 ** 53 + 2, '9007199254740994.0'],
    [123456789012345680000, '1.2345678901234568e+20'],
    [0.30000000000000004, '0.30000000000000004'],
    [Infinity, 'inf'],
    [NaN, 'nan'],
  ];
  for (const [x, expected] of cases) assert.equal(pyFloatRepr(x), expected, `repr(${x})`);
});

test('pyJsonDumps() uses Python separators, float kinds and ensure_ascii', () => {
  const kinds = new Map([['p', 'float' as const]]);
  assert.equal(
    pyJsonDumps({ a: 1, p: -1, s: 'é"\u007f', n: null, b: true, l: [1, 'x'], o: { z: 2.5 } }, kinds),
    '{"a": 1, "p": -1.0, "s": "\\u00e9\\"\\u007f", "n": null, "b": true, "l": [1, "x"], "o": {"z": 2.5}}',
  );
  assert.equal(pyJsonDumps({ nonce: 1_700_000_000_000_000_001n }), '{"nonce": 1700000000000000001}');
});

test('pyStr() renders values as Python str() does', () => {
  assert.equal(pyStr('abc'), 'abc');
  assert.equal(pyStr(-1, 'float'), '-1.0');
  assert.equal(pyStr(3), '3');
  assert.equal(pyStr(null), 'None');
  assert.equal(pyStr(true), 'True');
  assert.equal(pyStr(['a', 1, "it's"]), `['a', 1, "it's"]`);
  assert.equal(pyStr({ k: 'v', n: [true] }), "{'k': 'v', 'n': [True]}");
});
