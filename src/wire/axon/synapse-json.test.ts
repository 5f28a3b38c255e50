import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../core/random/index.js';
import { SPLIT_ABOVE_BYTES, parseJsonBody } from './_synapse-json.js';

const IMAGE = 'QUJD'.repeat(SPLIT_ABOVE_BYTES / 2);

function same(text: string): void {
  let expected: unknown;
  try {
    expected = JSON.parse(text);
  } catch {
    assert.throws(() => parseJsonBody(Buffer.from(text)), SyntaxError, text.slice(0, 120));
    return;
  }
  assert.deepEqual(parseJsonBody(Buffer.from(text)), expected, text.slice(0, 160));
}

test('parseJsonBody() gives what JSON.parse gives on synapse bodies, tricky keys and broken ones', () => {
  const cases = [
    `{"name":"ImageSynapse","image":"${IMAGE}","timeout":9.0}`,
    ` {\n "image" : "${IMAGE}" ,\n "dendrite": {"hotkey": "5F", "nested": [1, {"image": "x"}]}, "prediction": -1.0 }`,
    `{"a":"x\\"image\\":","image":"${IMAGE}","b":"\\\\"}`,
    `{"x\\"image":"${IMAGE}","image":"${IMAGE}"}`,
    `{"image":"${IMAGE}","image":"second"}`,
    `{"image":"${IMAGE.slice(0, 100)}\\u0041${IMAGE.slice(100)}"}`,
    `{"image":"${IMAGE}\\\\"}`,
    `{"image":${JSON.stringify({ deep: IMAGE })}}`,
    `{"image":"${IMAGE}"`,
    `{"image":"${IMAGE}",}`,
    `{"image":"${IMAGE}" "a":1}`,
    `["image","${IMAGE}"]`,
    `{"image":"${IMAGE}","t":true,"f":false,"n":null,"e":1e3,"arr":[[],[{}]]}`,
    `{"imag":"${IMAGE}","image":""}`,
  ];
  for (const text of cases) same(text);
});

test('parseJsonBody() matches JSON.parse on 500 random bodies around a large image', () => {
  const rng = createRng('synapse-json');
  const atoms = [
    '1',
    '-2.5',
    'true',
    'null',
    '"s"',
    '"a\\"b"',
    '"\\\\"',
    '{}',
    '[]',
    '{"image":"in"}',
    '"image"',
  ];
  for (let n = 0; n < 500; n++) {
    const parts: string[] = [];
    const keys = 1 + Math.floor(rng.next() * 5);
    for (let k = 0; k < keys; k++) {
      const key = rng.choice(['a', 'image', 'im\\"age', 'dendrite', 'image ']);
      parts.push(`${JSON.stringify(key).replace('\\\\"', '\\"')}:${rng.choice(atoms)}`);
    }
    parts.splice(Math.floor(rng.next() * (parts.length + 1)), 0, `"image":"${IMAGE}"`);
    let text = `{${parts.join(rng.chance(0.5) ? ',' : ' , ')}}`;
    if (rng.chance(0.1)) text = text.slice(0, Math.floor(rng.next() * text.length));
    same(text);
  }
});
