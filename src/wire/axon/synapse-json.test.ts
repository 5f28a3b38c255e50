import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRoadworkError } from '../../core/errors/index.js';
import { createRng } from '../../core/random/index.js';
import { parseSynapseBody } from './_body.js';
import { MAX_DEPTH, MAX_REST_BYTES, parseJsonBody } from './_synapse-json.js';

/** Twice the most a body may hold outside its image, so only the split keeps it parseable. */
const IMAGE = 'QUJD'.repeat(MAX_REST_BYTES / 2);

function refused(e: unknown, message?: RegExp): boolean {
  return isRoadworkError(e, 'ERR_BODY_INVALID_JSON') && (message === undefined || message.test(e.message));
}

/** `parseJsonBody(text)` equals `JSON.parse(text)`, or both throw; `refuse` where only it refuses. */
function same(text: string, refuse = false): void {
  let expected: unknown;
  try {
    expected = JSON.parse(text);
  } catch {
    assert.throws(
      () => parseJsonBody(Buffer.from(text)),
      (e) => e instanceof SyntaxError || refused(e),
      text.slice(0, 120),
    );
    return;
  }
  if (refuse) assert.throws(() => parseJsonBody(Buffer.from(text)), refused, text.slice(0, 120));
  else assert.deepEqual(parseJsonBody(Buffer.from(text)), expected, text.slice(0, 160));
}

/** How long `parseSynapseBody(body)` took to refuse it, ms; fails if it did not refuse with `message`. */
function refusalMs(body: Buffer, message: RegExp): number {
  const t = performance.now();
  assert.throws(
    () => parseSynapseBody(body),
    (e) => refused(e, message),
  );
  return performance.now() - t;
}

test('parseJsonBody() gives what JSON.parse gives on synapse bodies, tricky keys and broken ones', () => {
  const cases = [
    `{"name":"ImageSynapse","image":"${IMAGE}","timeout":9.0}`,
    ` {\n "image" : "${IMAGE}" ,\n "dendrite": {"hotkey": "5F", "nested": [1, {"image": "x"}]}, "prediction": -1.0 }`,
    `{"a":"x\\"image\\":","image":"${IMAGE}","b":"\\\\"}`,
    `{"x\\"image":"abc","image":"${IMAGE}"}`,
    `{"image":"${IMAGE.slice(0, 100)}\\u0041${IMAGE.slice(100)}"}`,
    `{"image":"${IMAGE}\\\\"}`,
    `{"image":${JSON.stringify({ deep: IMAGE.slice(0, 1000) })},"x":"${'A'.repeat(MAX_REST_BYTES - 2000)}"}`,
    `{"image":"${IMAGE}"`,
    `{"image":"${IMAGE}",}`,
    `{"image":"${IMAGE}" "a":1}`,
    `["image","${IMAGE.slice(0, 1000)}"]`,
    `{"image":"${IMAGE}","t":true,"f":false,"n":null,"e":1e3,"arr":[[],[{}]]}`,
    `{"imag":"abc","image":"${IMAGE}"}`,
    `{"image":"${IMAGE}","\\u0069magex":"abc","imag\\u0065 ":"abc"}`,
    `{"image":"${IMAGE}","x":{"image":"in","y":[{"image":"in"}]}}`,
  ];
  for (const text of cases) same(text);
  const refusedCases = [
    `{"image":"${IMAGE}","image":"second"}`,
    `{"image":${JSON.stringify({ deep: IMAGE })}}`,
    `["image","${IMAGE}"]`,
    `{"imag":"${IMAGE}","image":""}`,
    `{"x\\"image":"${IMAGE}","image":"${IMAGE}"}`,
  ];
  for (const text of refusedCases) same(text, true);
});

test('parseSynapseBody() refuses a 24 MiB deeply nested body at once', () => {
  const h = 12_500_000;
  const body = Buffer.from(`{"x":${'['.repeat(h)}${']'.repeat(h)}}`);
  const ms = refusalMs(body, new RegExp(`nested deeper than ${MAX_DEPTH} levels`));
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
});

test('parseSynapseBody() refuses 24 MiB of small objects beside the image at once', () => {
  const body = Buffer.from(`{"image":"QUJD","a":[${'{},'.repeat(8_000_000)}{}]}`);
  const ms = refusalMs(body, new RegExp(`more than ${MAX_REST_BYTES} bytes outside its image`));
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`);
});

test('parseSynapseBody() refuses nesting deeper than MAX_DEPTH in a small body and accepts MAX_DEPTH', () => {
  const nest = (levels: number) => `{"x":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
  refusalMs(Buffer.from(nest(MAX_DEPTH + 1)), /nested deeper/);
  assert.equal(Object.keys(parseSynapseBody(Buffer.from(nest(MAX_DEPTH)))).length, 1);
  refusalMs(Buffer.from(`{"x":"[{","y":${'{"a":'.repeat(MAX_DEPTH)}1${'}'.repeat(MAX_DEPTH)}}`), /nested/);
});

test('parseSynapseBody() names what a body that is not an object holds', () => {
  refusalMs(Buffer.from('[1,2]'), /must be a JSON object, got an array$/);
  refusalMs(Buffer.from(` [${'1,'.repeat(MAX_REST_BYTES)}1]`), /must be a JSON object, got an array$/);
  refusalMs(Buffer.from('null'), /got null$/);
  refusalMs(Buffer.from('"image"'), /got a string$/);
  refusalMs(Buffer.from('7'), /got a number$/);
});

test('parseSynapseBody() refuses two image keys, escaped or not, at every size', () => {
  for (const image of ['QUJD', IMAGE]) {
    for (const second of [
      '"image"',
      '"\\u0069mage"',
      '"im\\u0061ge"',
      '"\\u0069\\u006D\\u0061\\u0067\\u0065"',
    ]) {
      refusalMs(
        Buffer.from(`{"image":"${image}","name":"ImageSynapse",${second}:"!!!!"}`),
        /key "image" twice/,
      );
    }
  }
});

test('parseSynapseBody() refuses a large body that is not JSON without parsing it whole', () => {
  refusalMs(Buffer.from(`{"image":"QUJD","x":"${'A'.repeat(MAX_REST_BYTES * 4)}`), /outside its image/);
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
    same(text, parts.filter((p) => p.startsWith('"image":')).length > 1);
  }
});
