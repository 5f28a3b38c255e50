// The one parser of numeric flags: what it accepts (plain decimals, within the bounds) and how it says
// no (the flag, the bounds, the value as given, an example), so every command words it the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { countFlag, numberFlag, numberListFlag, type NumberRule } from './_number-flag.js';

/** Asserts `run` throws ERR_CONFIG_INVALID with exactly `message`. */
function refuses(run: () => unknown, message: string): void {
  assert.throws(run, (err) => isRoadworkError(err, 'ERR_CONFIG_INVALID') && err.message === message, message);
}

test('numberFlag() reads plain decimals, exponents included, and ignores surrounding whitespace', () => {
  for (const [raw, n] of [
    ['5', 5],
    [' 5 ', 5],
    ['+5', 5],
    ['-2.5', -2.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['2.5E-3', 0.0025],
  ] as const)
    assert.equal(numberFlag(raw, '--x'), n, raw);
  // A number (a default given as one) is taken as it is.
  assert.equal(numberFlag(224, '--x'), 224);
});

test('numberFlag() refuses what Number() would read but a person would not mean as a number', () => {
  for (const raw of [
    '',
    '   ',
    'x',
    '5x',
    '0x10',
    '0b11',
    '0o7',
    '1_000',
    '1,5',
    'Infinity',
    '-Infinity',
    'NaN',
    '1e999',
  ])
    refuses(() => numberFlag(raw, '--x'), `--x is not a number: "${raw}". Give e.g. --x 1.`);
  for (const raw of [undefined, true, Number.NaN, Number.POSITIVE_INFINITY])
    assert.throws(() => numberFlag(raw, '--x'), /--x is not a number/);
});

test('numberFlag() reads -0 as 0, so it passes a bound of 0 and prints as 0', () => {
  const n = numberFlag('-0', '--x', { min: 0 });
  assert.ok(Object.is(n, 0));
});

test('numberFlag() keeps inclusive and exclusive bounds and says which in the message', () => {
  const share = { min: 0, max: 1, example: '0.05' };
  assert.deepEqual(
    ['0', '1'].map((raw) => numberFlag(raw, '--share', share)),
    [0, 1],
  );
  assert.equal(numberFlag('0.25', '--alpha', { above: 0, below: 0.5 }), 0.25);
  const rows: [string, NumberRule, string][] = [
    ['2', share, '--x is not a number from 0 to 1: "2". Give e.g. --x 0.05.'],
    ['-0.1', share, '--x is not a number from 0 to 1: "-0.1". Give e.g. --x 0.05.'],
    [
      '0',
      { above: 0, below: 0.5 },
      '--x is not a number greater than 0 and less than 0.5: "0". Give e.g. --x 0.25.',
    ],
    [
      '0.5',
      { above: 0, below: 0.5 },
      '--x is not a number greater than 0 and less than 0.5: "0.5". Give e.g. --x 0.25.',
    ],
    [
      '0.5',
      { above: 0.5, max: 1 },
      '--x is not a number greater than 0.5 and at most 1: "0.5". Give e.g. --x 1.',
    ],
    ['0', { above: 0 }, '--x is not a number greater than 0: "0". Give e.g. --x 1.'],
    ['11', { max: 10 }, '--x is not a number of at most 10: "11". Give e.g. --x 1.'],
    ['1', { min: 0, below: 1 }, '--x is not a number of at least 0 and less than 1: "1". Give e.g. --x 0.'],
    // Whole numbers only: 2.5 is refused; 1e3 and 7.0 are whole (below).
    ['2.5', { min: 0, integer: true }, '--x is not a whole number of at least 0: "2.5". Give e.g. --x 0.'],
    [
      '70000',
      { min: 1, max: 65535, integer: true, example: '8091' },
      '--x is not a whole number from 1 to 65535: "70000". Give e.g. --x 8091.',
    ],
  ];
  for (const [raw, rule, message] of rows) refuses(() => numberFlag(raw, '--x', rule), message);
  assert.equal(numberFlag('1e3', '--x', { integer: true }), 1000);
  assert.equal(numberFlag('7.0', '--x', { integer: true }), 7);
});

test('countFlag() takes a whole number of at least 1, and a positional argument is shown bare', () => {
  assert.equal(countFlag('20', '--limit'), 20);
  refuses(
    () => countFlag('0', '--limit'),
    '--limit is not a whole number of at least 1: "0". Give e.g. --limit 20.',
  );
  refuses(
    () => countFlag('x', '--k', { example: '12' }),
    '--k is not a whole number of at least 1: "x". Give e.g. --k 12.',
  );
  refuses(
    () => countFlag('-3', '<id>', { example: '42' }),
    '<id> is not a whole number of at least 1: "-3". Give e.g. 42.',
  );
});

test('numberListFlag() checks every item as numberFlag does, refuses blank items, and holds its length', () => {
  assert.deepEqual(numberListFlag('0.003, 0.01,1e-1', '--l2', { min: 0 }), [0.003, 0.01, 0.1]);
  assert.deepEqual(numberListFlag(' 7 ', '--l2', { min: 0 }), [7]);
  const views = { count: 4, min: 0, integer: true };
  assert.deepEqual(numberListFlag('1,0,2,0', '--views', views), [1, 0, 2, 0]);
  refuses(
    () => numberListFlag('1,1,1', '--views', views),
    '--views needs 4 comma-separated values: "1,1,1". Give e.g. --views 0,0,0,0.',
  );
  refuses(
    () => numberListFlag('1,1,0x1,1', '--views', { ...views, example: '1,1,1,1' }),
    '--views has a value that is not a whole number of at least 0: "0x1". Give e.g. --views 1,1,1,1.',
  );
  for (const raw of ['0.1,', '', '0.1,,0.2'])
    refuses(
      () => numberListFlag(raw, '--l2', { min: 0 }),
      '--l2 has a value that is not a number of at least 0: "". Give e.g. --l2 0.',
    );
});
