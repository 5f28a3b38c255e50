import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, csvText, parseCsvLine, parseCsvRecords } from './index.js';

test('csvCell() quotes only cells that need it, doubling quotes inside', () => {
  assert.equal(csvCell('pos/a.jpg'), 'pos/a.jpg');
  assert.equal(csvCell(0.25), '0.25');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\nlines'), '"two\nlines"');
  assert.equal(csvCell('cr\r'), '"cr\r"');
});

test('csvText() writes the header and every row, each line ending in a newline', () => {
  assert.equal(
    csvText(
      ['file', 'label'],
      [
        ['a.jpg', 1],
        ['b,c.jpg', 0],
      ],
    ),
    'file,label\na.jpg,1\n"b,c.jpg",0\n',
  );
  assert.equal(csvText(['only'], []), 'only\n');
});

test('parseCsvLine() keeps quoted commas and doubled quotes', () => {
  assert.deepEqual(parseCsvLine('a,"b,c","d""e",'), ['a', 'b,c', 'd"e', '']);
});

test('parseCsvRecords() keys every line by the header, quoted cells and CRLF included', () => {
  assert.deepEqual(parseCsvRecords('a,b\r\n1,"x,y"\r\n2,\n'), [
    { a: '1', b: 'x,y' },
    { a: '2', b: '' },
  ]);
});
